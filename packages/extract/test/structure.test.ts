import { extractArticle } from '../src/index';

// Synthetic fixtures for page structures that lost articles: markup before <html>, pages whose
// <html> tag is missing, and article bodies split across sibling containers.
const para = (n: number, topic = 'the river trust'): string =>
  `Paragraph ${n} describes how ${topic} counted the salmon, mapped the weirs, and asked the county, after two dry summers, to keep more water in the upper valley.`;
const paras = (ns: number[], topic?: string): string => ns.map((n) => `<p>${para(n, topic)}</p>`).join('');

function text(html: string): string {
  const r = extractArticle(html, 'https://news.example.com/a/1');
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.article.text;
}

describe('document root', () => {
  it('reads the body when server warnings precede the doctype', () => {
    const html = `<br />\n<b>Warning</b>: db connect failed in <b>/www/plugin.php</b> on line <b>299</b><br />
      <!DOCTYPE html><html lang="en"><head><title>Salmon count</title></head><body><article>${paras([1, 2, 3])}</article></body></html>`;
    const out = text(html);
    expect(out).toContain('Paragraph 1 describes');
    expect(out).toContain('Paragraph 3 describes');
  });

  it('reads the body of a page without an <html> tag', () => {
    const html = `<!DOCTYPE html>\n<!--[if IE 8]><html class="ie8" lang="en"><![endif]-->\n<head><title>Salmon count</title></head>
      <body><article>${paras([1, 2, 3])}</article></body>`;
    const out = text(html);
    expect(out).toContain('Paragraph 1 describes');
    expect(out).toContain('Paragraph 3 describes');
  });
});
