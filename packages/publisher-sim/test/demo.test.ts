import iconv from 'iconv-lite';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DEMO_SOURCES, startDemoPublisher, type DemoPublisher, type ResolvedFeed } from '../src';

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => name === 'item' || name === 'entry' || name === 'category',
});

let pub: DemoPublisher;
beforeAll(async () => {
  pub = await startDemoPublisher();
});
afterAll(async () => {
  await pub.close();
});

function feed(sourceKey: string, i = 0): ResolvedFeed {
  const f = pub.sources.find((s) => s.key === sourceKey)?.feeds[i];
  if (!f) throw new Error(`no feed ${sourceKey}/${i}`);
  return f;
}

async function getBytes(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

const isValidUtf8 = (b: Buffer) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};

function parseXml(text: string) {
  expect(XMLValidator.validate(text)).toBe(true);
  return xml.parse(text);
}

describe('catalog', () => {
  test('3–4 invented sources with the required fields and absolute URLs once served', () => {
    expect(DEMO_SOURCES.length).toBeGreaterThanOrEqual(3);
    expect(DEMO_SOURCES.length).toBeLessThanOrEqual(4);
    for (const s of pub.sources) {
      expect(s.homepage).toBe(`${pub.url}/${s.key}/`);
      expect(s.country).toMatch(/^[A-Z]{2}$/);
      expect(s.languages.length).toBeGreaterThan(0);
      expect(s.attribution).toContain(s.name);
      for (const f of s.feeds) expect(f.url.startsWith(`${pub.url}/`)).toBe(true);
    }
    const formats = pub.sources.flatMap((s) => s.feeds.map((f) => `${f.format}/${f.charset}`));
    expect(formats).toEqual(
      expect.arrayContaining(['rss2/utf-8', 'atom1/utf-8', 'rss2/Shift_JIS', 'atom1/windows-1251', 'jsonfeed1.1/utf-8']),
    );
  });

  test('each feed starts with 8–15 entries, recent and spaced apart, with unique titles, GUIDs and URLs', () => {
    const now = Date.now();
    for (const s of pub.sources) {
      for (const f of s.feeds) {
        const es = pub.entries(s.key).filter((e) => e.feedUrl === f.url);
        expect(es.length).toBeGreaterThanOrEqual(8);
        expect(es.length).toBeLessThanOrEqual(15);
        const times = es.map((e) => Date.parse(e.publishedAt));
        for (const t of times) {
          expect(t).toBeLessThan(now);
          expect(t).toBeGreaterThan(now - 24 * 3600_000);
        }
        for (let i = 1; i < times.length; i++) expect(times[i - 1]! - times[i]!).toBeGreaterThanOrEqual(60_000);
      }
    }
    const all = pub.entries();
    expect(new Set(all.map((e) => e.title)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.guid)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.url)).size).toBe(all.length);
  });
});

describe('feeds', () => {
  test('English RSS 2.0 is well-formed UTF-8 with items matching the entries', async () => {
    const f = feed('harbor-ledger', 0);
    const { res, bytes } = await getBytes(f.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const doc = parseXml(bytes.toString('utf8'));
    const items = doc.rss.channel.item as Array<Record<string, unknown>>;
    const expected = pub.entries('harbor-ledger').filter((e) => e.feedUrl === f.url);
    expect(items.map((i) => i.title)).toEqual(expected.map((e) => e.title));
    expect(items[0]!.link).toBe(expected[0]!.url);
    expect((items[0]!.guid as Record<string, string>)['#text']).toBe(expected[0]!.guid);
    expect(Date.parse(items[0]!.pubDate as string)).toBe(Date.parse(expected[0]!.publishedAt));
    expect(items[0]!['dc:creator']).toBe(expected[0]!.author);
    expect((items[0]!.category as string[]).length).toBeGreaterThan(0);
  });

  test('English Atom 1.0 is well-formed with entries, authors and links', async () => {
    const f = feed('harbor-ledger', 1);
    const { res, bytes } = await getBytes(f.url);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const doc = parseXml(bytes.toString('utf8'));
    const entries = doc.feed.entry as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(f.initialEntries);
    expect(doc.feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect((entries[0]!.link as Record<string, string>)['@href']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/harbor-ledger\/science\//);
    expect((entries[0]!.author as Record<string, string>).name).toBeTruthy();
  });

  test('the Japanese RSS is served in Shift_JIS (bytes, declaration and HTTP charset)', async () => {
    const f = feed('sakura-nippo');
    const { res, bytes } = await getBytes(f.url);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=Shift_JIS');
    expect(isValidUtf8(bytes)).toBe(false);
    const text = iconv.decode(bytes, 'Shift_JIS');
    expect(text.startsWith('<?xml version="1.0" encoding="Shift_JIS"?>')).toBe(true);
    const first = pub.entries('sakura-nippo')[0]!;
    expect(first.title).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(bytes.includes(iconv.encode(first.title, 'Shift_JIS'))).toBe(true);
    const doc = parseXml(text);
    expect(doc.rss.channel.item[0].title).toBe(first.title);
    expect(doc.rss.channel.language).toBe('ja');
    // Characters Shift_JIS lacks (©) are written as character references, never as '?'.
    expect(text).toContain('<copyright>&#169; さくら日報');
  });

  test('the Russian Atom is served in windows-1251', async () => {
    const f = feed('volzhsky-vestnik');
    const { res, bytes } = await getBytes(f.url);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=windows-1251');
    expect(isValidUtf8(bytes)).toBe(false);
    const text = iconv.decode(bytes, 'windows-1251');
    expect(text.startsWith('<?xml version="1.0" encoding="windows-1251"?>')).toBe(true);
    const first = pub.entries('volzhsky-vestnik')[0]!;
    expect(first.title).toMatch(/[а-яё]/i);
    expect(bytes.includes(iconv.encode(first.title, 'windows-1251'))).toBe(true);
    const doc = parseXml(text);
    expect(doc.feed.entry[0].title['#text']).toBe(first.title);
    expect(doc.feed['@xml:lang']).toBe('ru');
  });

  test('the JSON Feed 1.1 parses and has the required item fields', async () => {
    const f = feed('brisa-austral');
    const { res, bytes } = await getBytes(f.url);
    expect(res.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const doc = JSON.parse(bytes.toString('utf8'));
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.feed_url).toBe(f.url);
    expect(doc.items).toHaveLength(f.initialEntries);
    for (const item of doc.items) {
      expect(item.id).toMatch(/^tag:/);
      expect(item.url).toMatch(/^http:\/\//);
      expect(typeof item.title).toBe('string');
      expect(Number.isNaN(Date.parse(item.date_published))).toBe(false);
      expect(item.authors[0].name).toBeTruthy();
      expect(item.content_html).toMatch(/^<p>/);
    }
  });

  test('ETag and Last-Modified: 304 on If-None-Match or If-Modified-Since, 200 otherwise', async () => {
    const f = feed('harbor-ledger');
    const first = await fetch(f.url);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(Number.isNaN(Date.parse(lastModified))).toBe(false);

    const byTag = await fetch(f.url, { headers: { 'If-None-Match': etag } });
    expect(byTag.status).toBe(304);
    expect((await byTag.arrayBuffer()).byteLength).toBe(0);
    expect(byTag.headers.get('etag')).toBe(etag);
    expect((await fetch(f.url, { headers: { 'If-None-Match': `"other", W/${etag}` } })).status).toBe(304);
    expect((await fetch(f.url, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);

    const other = await fetch(f.url, { headers: { 'If-None-Match': '"something-else"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    const stale = await fetch(f.url, { headers: { 'If-Modified-Since': older } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });
});

describe('publish()', () => {
  test('a new entry appears in the next conditional fetch and its page is served', async () => {
    const f = feed('sakura-nippo');
    const before = await fetch(f.url);
    await before.arrayBuffer();
    const etag = before.headers.get('etag')!;
    const lastModified = before.headers.get('last-modified')!;

    const entry = pub.publish('sakura-nippo');
    expect(entry.feedUrl).toBe(f.url);
    expect(Date.now() - Date.parse(entry.publishedAt)).toBeLessThan(5000);

    const ims = await fetch(f.url, { headers: { 'If-Modified-Since': lastModified } });
    expect(ims.status).toBe(200);
    await ims.arrayBuffer();
    const after = await fetch(f.url, { headers: { 'If-None-Match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const doc = parseXml(iconv.decode(Buffer.from(await after.arrayBuffer()), 'Shift_JIS'));
    expect(doc.rss.channel.item[0].title).toBe(entry.title);
    expect(doc.rss.channel.item[0].link).toBe(entry.url);
    expect(doc.rss.channel.item).toHaveLength(f.initialEntries);

    const page = await fetch(entry.url);
    expect(page.status).toBe(200);
    expect(iconv.decode(Buffer.from(await page.arrayBuffer()), 'Shift_JIS')).toContain(entry.title);
    expect(pub.entries('sakura-nippo')[0]!.guid).toBe(entry.guid);
  });

  test('without a key it rotates over all feeds; an unknown key throws', () => {
    const feedUrls = new Set(Array.from({ length: 5 }, () => pub.publish().feedUrl));
    expect(feedUrls.size).toBe(5);
    expect(() => pub.publish('no-such-outlet')).toThrow(/unknown demo source/);
  });
});

describe('article pages', () => {
  test.each(DEMO_SOURCES.map((s) => s.key))('%s: charset, lang, canonical, JSON-LD, OpenGraph, body and boilerplate', async (key) => {
    const source = pub.sources.find((s) => s.key === key)!;
    const entry = pub.entries(key)[2]!;
    const charset = source.feeds.find((f) => f.url === entry.feedUrl)!.charset;
    const { res, bytes } = await getBytes(entry.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(`text/html; charset=${charset}`);
    const html = iconv.decode(bytes, charset);
    expect(html).toContain(`<html lang="${source.languages[0]}">`);
    expect(html).toContain(`<meta charset="${charset}">`);
    expect(html).toContain(`<link rel="canonical" href="${entry.url}">`);
    expect(html).toContain(`<meta property="og:url" content="${entry.url}">`);
    expect(html).toMatch(/<meta property="og:title" content="[^"]+">/);

    const ld = JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1]!);
    expect(ld['@type']).toBe('NewsArticle');
    expect(ld.headline).toBe(entry.title);
    expect(ld.datePublished).toBe(entry.publishedAt);
    expect(ld.author[0].name).toBe(entry.author);
    expect(ld.publisher.name).toBe(source.name);

    const body = /<div class="article-body"[^>]*>([\s\S]*?)<\/div>/.exec(html)![1]!;
    const paragraphs = body.match(/<p>/g) ?? [];
    expect(paragraphs.length).toBeGreaterThanOrEqual(4);
    expect(paragraphs.length).toBeLessThanOrEqual(8);
    for (const marker of [
      'id="cookie-consent"',
      'class="main-nav"',
      'class="share-buttons"',
      'class="newsletter"',
      'class="related"',
      'id="comments"',
      'class="site-footer"',
    ]) {
      expect(html).toContain(marker);
    }
  });

  test('bodies are distinct across a feed', async () => {
    const es = pub.entries('harbor-ledger').slice(0, 8);
    const bodies = await Promise.all(
      es.map(async (e) => /<div class="article-body"[^>]*>([\s\S]*?)<\/div>/.exec(await (await fetch(e.url)).text())![1]),
    );
    expect(new Set(bodies).size).toBe(es.length);
  });

  test('article pages honour If-None-Match too', async () => {
    const e = pub.entries('brisa-austral')[0]!;
    const first = await fetch(e.url);
    await first.arrayBuffer();
    expect((await fetch(e.url, { headers: { 'If-None-Match': first.headers.get('etag')! } })).status).toBe(304);
  });
});

describe('site', () => {
  test('robots.txt allows everything except /private/', async () => {
    const res = await fetch(`${pub.url}/robots.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^User-agent: \*$/m);
    expect(text).toMatch(/^Disallow: \/private\/$/m);
    expect(text).toMatch(/^Allow: \/$/m);
  });

  test('home pages link the feed and stories; unknown paths 404; the request log records them', async () => {
    const s = pub.sources.find((x) => x.key === 'volzhsky-vestnik')!;
    const res = await fetch(s.homepage);
    expect(res.headers.get('content-type')).toBe('text/html; charset=windows-1251');
    const html = iconv.decode(Buffer.from(await res.arrayBuffer()), 'windows-1251');
    expect(html).toContain(`href="${s.feeds[0]!.url}"`);
    expect(html).toContain(pub.entries('volzhsky-vestnik')[0]!.url);
    const missing = await fetch(`${pub.url}/nope/${Date.now()}`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
    const post = await fetch(`${pub.url}/robots.txt`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.arrayBuffer();
    const log = pub.requestLog();
    expect(log.some((r) => r.path === '/volzhsky-vestnik/' && r.status === 200)).toBe(true);
    expect(log.some((r) => r.path.startsWith('/nope/') && r.status === 404)).toBe(true);
  });
});
