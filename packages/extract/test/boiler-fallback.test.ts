import { extractArticle } from '../src/index';

// Synthetic fixtures: the article's prose sits in blocks whose classes read like chrome, or in a
// hidden streamed segment. Removing every paragraph of prose means the boilerplate judgement was
// wrong, so the extractor must fall back to structural signals rather than return nothing.
const para = (n: number): string =>
  `Paragraph ${n} tells how the valley's orchards came back after the frost, with growers replanting, sharing tools and selling the first small harvest at the market.`;

const wrap = (body: string): string =>
  `<!doctype html><html lang="en"><head><title>Orchards return</title></head><body>
   <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/food">Food</a></nav>${body}
   <footer><p>Copyright the Valley Gazette. All rights reserved. Contact us at the newsroom for corrections and tips.</p></footer></body></html>`;

function text(html: string): string {
  const r = extractArticle(html, 'https://news.example.com/a/1');
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.article.text;
}

describe('boilerplate fallback', () => {
  it('keeps an article whose every text block has a chrome-like class', () => {
    const blocks = [1, 2, 3, 4, 5].map((n) => `<div class="inline-element-container__promo-text"><p>${para(n)}</p></div>`).join('');
    const out = text(wrap(`<main><h1>Orchards return</h1>${blocks}</main>`));
    for (const n of [1, 2, 3, 4, 5]) expect(out).toContain(`Paragraph ${n} tells`);
    expect(out).not.toContain('Copyright the Valley Gazette');
  });

  it('keeps an article streamed into a hidden segment', () => {
    const out = text(wrap(`<div hidden id="S:1"><article>${[1, 2, 3, 4].map((n) => `<p>${para(n)}</p>`).join('')}</article></div>`));
    expect(out).toContain('Paragraph 1 tells');
    expect(out).toContain('Paragraph 4 tells');
  });

  it('still drops a hidden or promo box when visible article prose exists', () => {
    const visible = [1, 2, 3, 4].map((n) => `<p>${para(n)}</p>`).join('');
    const out = text(
      wrap(
        `<article>${visible}</article><div class="promo-box"><p>Download our app today to get every story from the valley first, with alerts, puzzles and offline reading for members.</p></div>`,
      ),
    );
    expect(out).toContain('Paragraph 4 tells');
    expect(out).not.toContain('Download our app');
  });
});
