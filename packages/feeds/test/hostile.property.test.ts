import fc from 'fast-check';
import { parseFeed } from '../src';

// Property: whatever bytes arrive, parseFeed returns a typed result quickly and never throws,
// and nothing executable survives in what it returns.
const SEED_FEEDS = [
  `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A &amp; B</title><link>http://x.test/a</link><description><![CDATA[<p onclick="x()">hi</p><script>alert(1)</script>]]></description><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item></channel></rss>`,
  `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://x.test/"><title type="html">&lt;b&gt;T&lt;/b&gt;</title><entry><id>urn:1</id><title>E</title><link href="a"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div></content><updated>2003-12-13T18:30:02Z</updated></entry></feed>`,
  `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"http://x.test/1","content_html":"<img src=x onerror=alert(1)>","date_published":"2010-02-07T14:04:00-05:00"}]}`,
];

function mutate(s: string, cuts: { at: number; del: number; ins: string }[]): string {
  let out = s;
  for (const c of cuts) {
    const at = c.at % (out.length + 1);
    out = out.slice(0, at) + c.ins + out.slice(at + c.del);
  }
  return out;
}

/** Executable markup means real tags (text may mention `onclick=` once its `<` is escaped). */
function expectNoExecutableTags(html: string): void {
  for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    expect(tag).not.toMatch(/^<(script|iframe|object|embed|style|svg|math|form|base|meta|link)\b/i);
    expect(tag).not.toMatch(/\son[a-z]+\s*=|\sstyle\s*=/i);
    for (const m of tag.matchAll(/\s(?:href|src|cite)\s*=\s*"([^"]*)"/gi)) expect(m[1]).toMatch(/^https?:\/\//);
  }
}

function check(bytes: Uint8Array): void {
  const t0 = performance.now();
  const r = parseFeed(bytes, { url: 'http://x.test/feed', maxBytes: 1 << 20 });
  expect(performance.now() - t0).toBeLessThan(2000);
  if (r.ok) {
    for (const e of r.feed.entries) {
      for (const v of [e.summary, e.content]) if (v) expectNoExecutableTags(v);
      if (e.link) expect(e.link).toMatch(/^https?:\/\//);
    }
  } else {
    expect(['too-large', 'not-a-feed', 'malformed', 'hostile', 'empty']).toContain(r.error.code);
  }
}

describe('parseFeed under hostile input (fast-check)', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => check(b)),
      { numRuns: 300 },
    );
  });

  it('never throws and never leaks executable markup on mutated real feeds', () => {
    const cut = fc.record({
      at: fc.nat(),
      del: fc.nat({ max: 20 }),
      ins: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('<', '>', '&', '<!ENTITY a "b">', ']]>', '<![CDATA[', '&#0;', '\u0000', '<script>', '"', 'xml:base="javascript:x"'),
      ),
    });
    fc.assert(
      fc.property(fc.constantFrom(...SEED_FEEDS), fc.array(cut, { maxLength: 6 }), (seed, cuts) => check(Buffer.from(mutate(seed, cuts)))),
      { numRuns: 400 },
    );
  });

  it('bounds entity expansion whatever the nesting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), (depth, fan) => {
        const ents = [`<!ENTITY e0 "${'x'.repeat(50)}">`];
        for (let i = 1; i < depth; i++) ents.push(`<!ENTITY e${i} "${`&e${i - 1};`.repeat(fan)}">`);
        const doc = `<?xml version="1.0"?><!DOCTYPE rss [${ents.join('')}]><rss><channel><title>&e${depth - 1};</title></channel></rss>`;
        check(Buffer.from(doc));
      }),
      { numRuns: 60 },
    );
  });
});
