import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import { testServices } from '@newsline/embedded-stack';
import { parseFeed } from '@newsline/feeds';
import { XMLValidator } from 'fast-xml-parser';
import { termsFor } from '@newsline/search';
import { createStore, tombstoneModel, type Store } from '@newsline/store';
import { tombstoneId } from '@newsline/takedowns';
import Redis from 'ioredis';
import { Types } from 'mongoose';
import { createReader, type Reader } from '../src/app';

// The reader on a real HTTP server over the real store and Redis.
let store: Store;
let pub: Redis;
let sub: Redis;
let server: Server;
let reader: Reader;
let base: string;
const source = new Types.ObjectId();
const ids = { en: new Types.ObjectId(), ja: new Types.ObjectId(), ar: new Types.ObjectId(), restricted: new Types.ObjectId(), tomb: new Types.ObjectId() };

const art = (id: Types.ObjectId, lang: string, title: string, extra: Record<string, unknown> = {}) => ({
  _id: id,
  urlKey: `reader.example/${lang}/${String(id)}`,
  url: `https://reader.example/${lang}/${String(id)}`,
  sourceUrl: `https://reader.example/${lang}/${String(id)}`,
  attribution: '© Reader Example',
  sourceId: source,
  title,
  language: lang,
  publishedAt: new Date(),
  body: '<p>The extracted body.</p>',
  summary: 'A short summary.',
  storyId: 'story-r',
  extraction: { status: 'ok' },
  ...extra,
});

beforeAll(async () => {
  const s = testServices('reader');
  store = await createStore(s.mongoUrl);
  await store.ensureIndexes();
  pub = new Redis(s.redisUrl);
  sub = new Redis(s.redisUrl);
  await store.Source.create({ _id: source, name: 'Reader Example', key: 'reader-ex', homepage: 'https://reader.example/', languages: ['en'], attribution: '© Reader Example' });
  await store.Article.insertMany([
    art(ids.en, 'en', 'Bridge opens <script>alert(1)</script>', { authors: ['Ann Writer'] }),
    art(ids.ja, 'ja', '東京で新しい橋が開通'),
    art(ids.ar, 'ar', 'افتتاح جسر جديد'),
    art(ids.restricted, 'en', 'Opted out', { body: '<p>SECRET BODY</p>', extraction: { status: 'restricted' } }),
    art(ids.tomb, 'en', 'Tombstoned'),
  ]);
  reader = createReader({ store, sub, gatewayUrl: 'http://127.0.0.1:9', csrfSecret: 'test-secret-0123456789' });
  await reader.ready;
  server = createServer((req, res) => void reader.handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  server?.close();
  pub?.disconnect();
  sub?.disconnect();
  await store?.conn.dropDatabase();
  await store?.close();
});

test('an article page has the body, the source link, canonical, sharing tags and the removal link', async () => {
  const r = await fetch(`${base}/a/${String(ids.en)}`);
  expect(r.status).toBe(200);
  const h = await r.text();
  const src = `https://reader.example/en/${String(ids.en)}`;
  expect(h).toContain(`<a class="original" href="${src}" rel="noopener">Read original article here</a>`);
  expect(h).toContain(`<link rel="canonical" href="${src}">`);
  expect(h).toContain('<p>The extracted body.</p>');
  expect(h).toContain('By Ann Writer');
  expect(h).toContain(`href="/removal?url=${encodeURIComponent(src)}"`);
  expect(h).toContain('property="og:title"');
  expect(h).toContain('application/ld+json');
  expect(h).not.toContain('<script>alert(1)</script>');
  expect(h).toMatch(/<html lang="en" dir="ltr">/);
  expect(r.headers.get('cache-control')).toMatch(/public, max-age=60/);
  const etag = r.headers.get('etag')!;
  expect(etag).toMatch(/^"[\w-]+"$/);
  expect((await fetch(`${base}/a/${String(ids.en)}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
});

test('Japanese and Arabic pages carry their lang and direction; the story lists its other articles', async () => {
  const ja = await (await fetch(`${base}/a/${String(ids.ja)}`)).text();
  expect(ja).toMatch(/<html lang="ja" dir="ltr">/);
  expect(ja).toContain('More on this story');
  const ar = await (await fetch(`${base}/a/${String(ids.ar)}`)).text();
  expect(ar).toMatch(/<html lang="ar" dir="rtl">/);
});

test("a publisher's opt-out shows headline, summary and link only", async () => {
  const h = await (await fetch(`${base}/a/${String(ids.restricted)}`)).text();
  expect(h).toContain('A short summary.');
  expect(h).not.toContain('SECRET BODY');
  expect(h).toContain('Read original article here');
});

test('bad input is a 400, unknown pages 404', async () => {
  expect((await fetch(`${base}/a/not-an-id`)).status).toBe(400);
  expect((await fetch(`${base}/lang/${'x'.repeat(30)}`)).status).toBe(400);
  expect((await fetch(`${base}/a/${String(new Types.ObjectId())}`)).status).toBe(404);
  expect((await fetch(`${base}/nope`)).status).toBe(404);
});

test('listings link our article pages', async () => {
  const h = await (await fetch(`${base}/lang/ja`)).text();
  expect(h).toContain(`/a/${String(ids.ja)}`);
  expect(h).not.toContain(`/a/${String(ids.en)}`);
  expect(await (await fetch(`${base}/`)).text()).toContain(`/a/${String(ids.en)}`);
});

test('headline.removed purges the cached page: 410 Gone, never the old content', async () => {
  const url = `${base}/a/${String(ids.en)}`;
  expect((await fetch(url)).status).toBe(200); // cached now
  await store.Article.deleteOne({ _id: ids.en });
  const seen = new Promise((r) => sub.once('message', r));
  await pub.publish(EVENTS_CHANNEL, encodeEvent({ type: 'headline.removed', articleId: String(ids.en), url: 'https://reader.example/x', at: new Date().toISOString() }));
  await seen;
  const r = await fetch(url);
  expect(r.status).toBe(410);
  expect(await r.text()).not.toContain('Bridge opens');
  expect(await (await fetch(`${base}/`)).text()).not.toContain(`/a/${String(ids.en)}`);
});

test('an article under a URL tombstone is 410 on a cache miss', async () => {
  await tombstoneModel(store.conn).create({ _id: tombstoneId({ kind: 'URL', key: `reader.example/en/${String(ids.tomb)}` }), kind: 'URL', key: 'k' });
  expect((await fetch(`${base}/a/${String(ids.tomb)}`)).status).toBe(410);
});

test('the removal form is CSRF-protected', async () => {
  const form = await fetch(`${base}/removal?url=${encodeURIComponent('https://reader.example/a')}`);
  expect(form.status).toBe(200);
  const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
  const token = (await form.text()).match(/name="csrf" value="([^"]+)"/)![1]!;
  const body = new URLSearchParams({ url: 'https://reader.example/a', name: 'N', email: 'n@example.com', statement: 'x'.repeat(30) });
  const post = (headers: Record<string, string>, b: URLSearchParams) =>
    fetch(`${base}/removal`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: b });
  expect((await post({}, new URLSearchParams({ ...Object.fromEntries(body), csrf: token }))).status).toBe(403); // no cookie
  expect((await post({ cookie }, body)).status).toBe(403); // no token
  expect((await post({ cookie: 'csrf=someoneelsesnonce00' }, new URLSearchParams({ ...Object.fromEntries(body), csrf: token }))).status).toBe(403);
  // With both, the request reaches the compliance path (no gateway here: a typed 503 page, not a 500).
  const ok = await post({ cookie }, new URLSearchParams({ ...Object.fromEntries(body), csrf: token }));
  expect(ok.status).toBe(503);
});

test.each(['rss', 'atom', 'json'])('the %s feed is valid, links our page and the original, and answers conditional GETs', async (kind) => {
  const url = `${base}/lang/ja/feed.${kind}`;
  const r = await fetch(url);
  expect(r.status).toBe(200);
  const text = await r.text();
  // Well-formed XML (fast-xml-parser's validator) or JSON, then read back by our own parser.
  if (kind === 'json') expect(JSON.parse(text).version).toBe('https://jsonfeed.org/version/1.1');
  else expect(XMLValidator.validate(text)).toBe(true);
  const parsed = parseFeed(new TextEncoder().encode(text), { url, contentType: r.headers.get('content-type')! });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  expect(parsed.feed.format).toBe(kind);
  const links = parsed.feed.entries.map((e) => e.link);
  expect(links).toContain(`http://127.0.0.1:4030/a/${String(ids.ja)}`);
  expect(text).toContain(`https://reader.example/ja/${String(ids.ja)}`);
  expect((await fetch(url, { headers: { 'if-none-match': r.headers.get('etag')! } })).status).toBe(304);
  expect((await fetch(url, { headers: { 'if-modified-since': r.headers.get('last-modified')! } })).status).toBe(304);
});

describe('search, sections and pages of older articles', () => {
  const src2 = new Types.ObjectId();
  const older = Array.from({ length: 35 }, () => new Types.ObjectId());
  beforeAll(async () => {
    await store.Source.create({ _id: src2, name: 'Coast Weekly', key: 'coast-weekly', homepage: 'https://coast.example/', languages: ['en'], attribution: '© Coast' });
    // Older than the articles above, so the home page's first page is unchanged.
    const t0 = Date.now() - 10 * 86_400_000;
    await store.Article.insertMany(
      older.map((id, i) => {
        const title = `Lighthouse keeper's log ${i}`;
        const text = `The lighthouse on the coast logged gale number ${i}.`;
        return {
          ...art(id, 'en', title, { body: `<p>${text}</p>` }),
          urlKey: `coast.example/log/${i}`,
          url: `https://coast.example/log/${i}`,
          sourceUrl: `https://coast.example/log/${i}`,
          sourceId: src2,
          section: 'weather',
          storyId: `log-${i}`,
          publishedAt: new Date(t0 - i * 60_000),
          text,
          terms: termsFor({ title, text, language: 'en' }),
        };
      }),
    );
  });
  const idsIn = (h: string) => [...h.matchAll(/href="\/a\/([0-9a-f]{24})"/g)].map((m) => m[1]!);

  test('a search pages through every match with the API’s cursors, newest first, none twice', async () => {
    const first = await (await fetch(`${base}/search?q=lighthouse`)).text();
    const page1 = idsIn(first);
    expect(page1).toEqual(older.slice(0, 30).map(String));
    const next = first.match(/<a rel="next" href="([^"]+)"/)![1]!.replace(/&amp;/g, '&');
    expect(next).toMatch(/^\/search\?q=lighthouse&after=/);
    const second = await (await fetch(`${base}${next}`)).text();
    expect(idsIn(second)).toEqual(older.slice(30).map(String));
    expect(second).not.toContain('rel="next"');
  });

  test('a search without a searchable word finds nothing, and a forged cursor is a 400', async () => {
    expect(idsIn(await (await fetch(`${base}/search?q=${encodeURIComponent('?!')}`)).text())).toEqual([]);
    expect((await fetch(`${base}/search?q=lighthouse&after=bm90LWEtY3Vyc29y`)).status).toBe(400);
    expect((await fetch(`${base}/search?q=${'x'.repeat(501)}`)).status).toBe(400);
  });

  test('section and source listings, and their feeds', async () => {
    expect(idsIn(await (await fetch(`${base}/section/weather`)).text())).toEqual(older.slice(0, 30).map(String));
    const url = `${base}/source/${String(src2)}/feed.atom`;
    const r = await fetch(url);
    expect(r.status).toBe(200);
    const parsed = parseFeed(new TextEncoder().encode(await r.text()), { url, contentType: r.headers.get('content-type')! });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    expect(parsed.feed.entries).toHaveLength(30);
    const search = await fetch(`${base}/search/feed.json?q=gale`);
    const feed = (await search.json()) as { items: { url: string }[] };
    expect(feed.items.map((i) => i.url)).toContain(`http://127.0.0.1:4030/a/${String(older[0])}`);
  });
});
