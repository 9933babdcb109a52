import { parseFeed } from '../src';
import { enc, parseOk } from './helpers';

const opts = { url: 'https://feeds.example.com/feed.xml' };

describe('hostile XML', () => {
  it('rejects billion laughs quickly instead of expanding it', () => {
    const decls = ['<!ENTITY l0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join(
      '\n',
    );
    const xml = `<?xml version="1.0"?><!DOCTYPE rss [${decls}]><rss><channel><title>&l9;</title></channel></rss>`;
    const t0 = Date.now();
    const r = parseFeed(enc(xml), opts);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r).toMatchObject({ ok: false, error: { code: 'hostile' } });
  });

  it('rejects quadratic blowup', () => {
    const xml = `<!DOCTYPE rss [<!ENTITY a "${'A'.repeat(50_000)}">]><rss><channel><title>t</title><description>${'&a;'.repeat(2_000)}</description></channel></rss>`;
    const r = parseFeed(enc(xml), opts);
    expect(r).toMatchObject({ ok: false, error: { code: 'hostile' } });
  });

  it('never resolves external entities', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://attacker.example/x">]>
<rss version="2.0"><channel><title>a&xxe;b&net;c</title><item><title>t</title><description>&xxe;</description></item></channel></rss>`;
    const feed = parseOk(xml);
    expect(feed.title).toBe('abc');
    expect(JSON.stringify(feed)).not.toMatch(/root:|\/bin\/(ba)?sh/);
  });

  it('still expands a benign internal entity', () => {
    const feed = parseOk(
      '<!DOCTYPE rss [<!ENTITY site "Example News">]><rss version="2.0"><channel><title>&site; feed</title></channel></rss>',
    );
    expect(feed.title).toBe('Example News feed');
  });

  it('keeps "<!DOCTYPE" that is only text in a comment or CDATA', () => {
    const feed = parseOk(
      '<!-- says <!DOCTYPE here --><rss><channel><item><description><![CDATA[ <!DOCTYPE ]]></description></item></channel></rss>',
    );
    expect(feed.entries[0]!.summary).toBe('&lt;!DOCTYPE');
  });
});

describe('sanitizing', () => {
  const feed = parseOk(`<rss version="2.0"><channel><title>S</title><item>
    <title>&lt;script&gt;alert(1)&lt;/script&gt;Headline &lt;img src=x onerror=alert(2)&gt;</title>
    <link>javascript:alert(3)</link>
    <description>&lt;p onclick="steal()"&gt;Hi &lt;a href="javascript:alert(4)"&gt;x&lt;/a&gt;&lt;img src="data:image/png;base64,AAAA" onerror="alert(5)"&gt;&lt;/p&gt;&lt;div style="width: expression(alert(6))"&gt;css&lt;/div&gt;&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;</description>
  </item></channel></rss>`);
  const e = feed.entries[0]!;

  it('strips scripts, handlers and dangerous URLs from HTML fields', () => {
    const all = `${e.summary ?? ''} ${e.content ?? ''}`;
    expect(all).not.toMatch(/<script|onclick|onerror|javascript:|data:|expression\(|<iframe|style=/i);
    expect(e.summary).toContain('Hi');
    expect(e.summary).toContain('css');
  });

  it('makes titles plain text and drops non-http links', () => {
    expect(e.title).toBe('Headline');
    expect(e.link).toBeUndefined();
  });
});

describe('caps and typed errors', () => {
  it('refuses input over maxBytes', () => {
    expect(parseFeed(enc('<rss><channel><title>x</title></channel></rss>'), { ...opts, maxBytes: 10 })).toMatchObject({
      ok: false,
      error: { code: 'too-large' },
    });
  });

  it('keeps at most maxEntries entries', () => {
    const items = Array.from({ length: 50 }, (_, i) => `<item><title>n${i}</title></item>`).join('');
    const feed = parseOk(`<rss><channel><title>x</title>${items}</channel></rss>`, { maxEntries: 5 });
    expect(feed.entries.map((x) => x.title)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  it.each([
    ['empty', new Uint8Array(0), 'empty'],
    ['white space', enc('  \n '), 'empty'],
    ['plain text', enc('hello, this is not a feed'), 'not-a-feed'],
    ['HTML page', enc('<!doctype html><html><body><p>hi</p></body></html>'), 'not-a-feed'],
    ['broken JSON', enc('{"version": "https://jsonfeed.org/version/1.1", '), 'malformed'],
    ['JSON that is not a feed', enc('{"hello": 1}'), 'not-a-feed'],
    ['random bytes', Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) % 256), 'not-a-feed'],
    ['unclosed markup', enc('<rss><channel><title>x</ti'), undefined],
  ])('returns a typed result for %s, never throws', (_name, bytes, code) => {
    const r = parseFeed(bytes, opts);
    if (code) expect(r).toMatchObject({ ok: false, error: { code } });
    else expect(typeof r.ok).toBe('boolean');
    if (!r.ok) expect(r.error.message.length).toBeGreaterThan(0);
  });

  it('returns an error object for input that is not bytes at all', () => {
    expect(parseFeed('not bytes' as unknown as Uint8Array, opts)).toMatchObject({ ok: false, error: { code: 'malformed' } });
  });
});
