import fc from 'fast-check';
import { extractArticle } from '../src';

// Property: any HTML, however broken, yields a typed result in bounded time, and the stored
// body never carries executable markup or non-http(s) URLs.
const PAGE = `<!doctype html><html lang="en"><head><title>Budget | Daily</title><meta property="og:url" content="https://x.test/a"><script type="application/ld+json">{"@type":"NewsArticle","headline":"Budget","datePublished":"2026-01-01"}</script><style>body{}</style></head><body><nav><a href="/">Home</a></nav><article><h1>Budget</h1>${'<p>The council met on Tuesday to debate the budget for schools, roads and the harbour, and agreed to meet again next week after a long discussion.</p>'.repeat(5)}<p><a href="javascript:alert(1)" onclick="x()">link</a><img src="data:image/png;base64,AAAA" onerror="alert(1)"></p></article><div class="comments">c</div></body></html>`;

/** Executable markup means real tags (text may mention `onclick=` once its `<` is escaped). */
function expectNoExecutableTags(html: string): void {
  for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    expect(tag).not.toMatch(/^<(script|iframe|object|embed|style|svg|math|form|base|meta|link)\b/i);
    expect(tag).not.toMatch(/\son[a-z]+\s*=|\sstyle\s*=/i);
    for (const m of tag.matchAll(/\s(?:href|src|cite)\s*=\s*"([^"]*)"/gi)) expect(m[1]).toMatch(/^https?:\/\//);
  }
}

function check(html: string): void {
  const t0 = performance.now();
  const r = extractArticle(html, 'https://x.test/a');
  expect(performance.now() - t0).toBeLessThan(3000);
  if (!r.ok) {
    expect(['too-large', 'no-content', 'parse-failed']).toContain(r.error.code);
    return;
  }
  expectNoExecutableTags(r.article.html);
}

describe('extractArticle under hostile input (fast-check)', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (s) => check(s)),
      { numRuns: 200 },
    );
  });

  it('never throws or leaks executable markup on mutated pages', () => {
    const cut = fc.record({
      at: fc.nat(),
      del: fc.nat({ max: 40 }),
      ins: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          '<script>alert(1)</script>',
          '<svg onload=alert(1)>',
          '<a href="jav&#x09;ascript:x">',
          '<iframe src=x>',
          '</article>',
          '<p>',
          '<!--',
          '<![CDATA[',
          '<style>@import "x"</style>',
          '<table><tr><td>',
        ),
      ),
    });
    fc.assert(
      fc.property(fc.array(cut, { maxLength: 8 }), (cuts) => {
        let html = PAGE;
        for (const c of cuts) {
          const at = c.at % (html.length + 1);
          html = html.slice(0, at) + c.ins + html.slice(at + c.del);
        }
        check(html);
      }),
      { numRuns: 250 },
    );
  });

  it('handles deep nesting and giant inputs without blowing the stack', () => {
    check('<div>'.repeat(20000) + '<p>' + 'word '.repeat(200) + '</p>' + '</div>'.repeat(20000));
    const huge = extractArticle('<p>' + 'x'.repeat(9 * 1024 * 1024) + '</p>', 'https://x.test/a');
    expect(huge).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });
});
