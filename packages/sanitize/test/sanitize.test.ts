import { htmlToText, sanitizeHtml } from '../src';

const base = 'https://news.example/world/story.html';

describe('sanitizeHtml', () => {
  it.each([
    ['<script>alert(1)</script><p>ok</p>', '<p>ok</p>'],
    ['<p onclick="alert(1)" style="x:expression(alert(1))">ok</p>', '<p>ok</p>'],
    ['<a href="javascript:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="java\tscript:alert(1)">x</a>', '<a>x</a>'],
    ['<img src="data:image/svg+xml,<svg onload=alert(1)>">', ''],
    ['<iframe src="https://evil.example"></iframe><p>a</p>', '<p>a</p>'],
    ['<svg><script>alert(1)</script></svg><p>b</p>', '<p>b</p>'],
    ['<style>body{}</style><form><input value=1></form><p>c</p>', '<p>c</p>'],
  ])('neutralises %s', (input, expected) => {
    expect(sanitizeHtml(input, base)).toBe(expected);
  });

  it('resolves relative links and images against the page URL', () => {
    const out = sanitizeHtml('<p><a href="../about">About</a> <img src="/i.jpg" alt="pic"></p>', base);
    expect(out).toContain('href="https://news.example/about"');
    expect(out).toContain('src="https://news.example/i.jpg"');
    expect(out).toContain('rel="noopener nofollow"');
  });

  it('keeps structure: headings, lists, quotes, figures, simple tables', () => {
    const html =
      '<h2>T</h2><ul><li>a</li></ul><blockquote>q</blockquote><figure><img src="https://x.example/a.png"><figcaption>c</figcaption></figure><table><tr><td>1</td></tr></table>';
    expect(sanitizeHtml(html, base)).toBe(html.replace('a.png">', 'a.png" />'));
  });
});

describe('htmlToText', () => {
  it('drops tags, decodes entities and keeps paragraph breaks', () => {
    expect(htmlToText('<p>Fish &amp; chips&#33;</p><p>Caf&eacute; <b>ok</b></p><script>x()</script>')).toBe('Fish & chips!\nCafé ok');
  });
});
