import { Types } from 'mongoose';
import { testServices } from '@newsline/embedded-stack';
import { createStore, type Store } from '../src';

// Runs against the embedded FerretDB v2 + DocumentDB (or MONGO_URL): any feature outside the
// compatibility contract used by the store fails here, in CI.
let store: Store;

beforeAll(async () => {
  store = await createStore(testServices('store').mongoUrl);
  await store.ensureIndexes();
});
afterAll(async () => {
  await store.conn.dropDatabase();
  await store.close();
});

const sourceId = new Types.ObjectId();
const base = (i: number) => ({
  urlKey: `news.example/a/${i}`,
  url: `https://news.example/a/${i}`,
  sourceUrl: `https://news.example/a/${i}`,
  attribution: 'News Example',
  sourceId,
  title: `Story ${i}`,
  publishedAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
  terms: i % 2 ? ['odd', `n${i}`] : ['even', `n${i}`],
  language: i % 3 ? 'en' : 'ja',
});

describe('store on the embedded FerretDB', () => {
  it('answers ping', async () => {
    expect(await store.ping()).toBe(true);
  });

  it('creates every declared index and drops article indexes an older build left', async () => {
    await store.Article.collection.createIndex({ sourceId: 1, publishedAt: -1 });
    await store.ensureIndexes();
    const byName = Object.fromEntries((await store.Article.collection.indexes()).map((i) => [i.name, i]));
    expect(byName['urlKey_1']?.unique).toBe(true);
    expect(Object.keys(byName).sort()).toEqual([
      '_id_',
      'country_1_publishedAt_-1__id_-1',
      'domains_1',
      'extraction.status_1_createdAt_1',
      'language_1_publishedAt_-1__id_-1',
      'publishedAt_-1__id_-1',
      'section_1_publishedAt_-1__id_-1',
      'sourceId_1_publishedAt_-1__id_-1',
      'storyId_1_publishedAt_-1__id_-1',
      'terms_1',
      'urlKey_1',
    ]);
    const feeds = Object.fromEntries((await store.Feed.collection.indexes()).map((i) => [i.name, i]));
    expect(feeds['url_1']?.unique).toBe(true);
    expect(feeds['nextPollAt_1']).toBeDefined();
  });

  it("records an article's domains from its URL, for DOMAIN lookups", async () => {
    const a = await store.Article.create({ ...base(300), url: 'https://www.News.Example.co.uk/x' });
    expect(a.domains).toEqual(['news.example.co.uk', 'example.co.uk', 'co.uk', 'uk']);
    expect(await store.Article.countDocuments({ domains: 'example.co.uk' })).toBe(1);
  });

  it('enforces the unique urlKey', async () => {
    await store.Article.create(base(100));
    await expect(store.Article.create(base(100))).rejects.toMatchObject({ code: 11000 });
  });

  it('upserts idempotently by urlKey', async () => {
    for (let n = 0; n < 3; n++) {
      await store.Article.updateOne({ urlKey: base(200).urlKey }, { $setOnInsert: base(200) }, { upsert: true });
    }
    expect(await store.Article.countDocuments({ urlKey: base(200).urlKey })).toBe(1);
  });

  it('pages by (publishedAt desc, _id desc) and filters on the multikey terms field', async () => {
    await store.Article.insertMany([1, 2, 3, 4, 5, 6].map(base));
    const page = await store.Article.find({ terms: 'odd', sourceId }).sort({ publishedAt: -1, _id: -1 }).limit(2).lean();
    expect(page.map((a) => a.title)).toEqual(['Story 5', 'Story 3']);
    const next = await store.Article.find({ terms: 'odd', sourceId, publishedAt: { $lt: page[1]!.publishedAt } })
      .sort({ publishedAt: -1, _id: -1 })
      .lean();
    expect(next.map((a) => a.title)).toEqual(['Story 1']);
    expect(await store.Article.countDocuments({ terms: { $all: ['even', 'n4'] } })).toBe(1);
  });

  it('counts with $group/$sum', async () => {
    const rows = await store.Article.aggregate<{ _id: string; n: number }>([
      { $match: { sourceId } },
      { $group: { _id: '$language', n: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(rows.find((r) => r._id === 'ja')?.n).toBeGreaterThan(0);
    expect(rows.reduce((a, r) => a + r.n, 0)).toBe(await store.Article.countDocuments({ sourceId }));
  });

  it('rejects an article without sourceUrl or attribution', async () => {
    const { sourceUrl: _s, ...noSource } = base(300);
    await expect(store.Article.create(noSource)).rejects.toThrow(/sourceUrl/);
    const { attribution: _a, ...noAttr } = base(301);
    await expect(store.Article.create(noAttr)).rejects.toThrow(/attribution/);
  });

  it('keeps feed polling state', async () => {
    const feed = await store.Feed.create({ sourceId, url: 'https://news.example/rss', etag: '"abc"' });
    await store.Feed.updateOne({ _id: feed._id }, { $inc: { consecutiveErrors: 1 }, $set: { lastError: 'timeout' } });
    const f = await store.Feed.findById(feed._id).lean();
    expect(f).toMatchObject({ etag: '"abc"', consecutiveErrors: 1, lastError: 'timeout', intervalSec: 900 });
  });
});

describe('ensureIndexes from several writers at once', () => {
  it('succeeds for all of them on a fresh database (builds are idempotent; a deadlock is retried)', async () => {
    const url = testServices('store_race').mongoUrl;
    const stores = await Promise.all([createStore(url), createStore(url), createStore(url)]);
    try {
      const r = await Promise.allSettled(stores.map((s) => s.ensureIndexes()));
      expect(r.map((x) => (x.status === 'rejected' ? String(x.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    } finally {
      await stores[0]!.conn.dropDatabase();
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);
});
