import { articleIdFor, urlKey } from '@newsline/domain';
import { testServices } from '@newsline/embedded-stack';
import { createStore, scopeMemberModel, type Store } from '@newsline/store';
import Redis from 'ioredis';
import { domainBucketOfHost, findScopeMatches, memberBase, recordMembers, scopeKey, type MatchScope } from '../src';

let store: Store;
let redis: Redis;
beforeAll(async () => {
  const svc = testServices('takedowns_members');
  store = await createStore(svc.mongoUrl);
  redis = new Redis(svc.redisUrl);
});
afterAll(async () => {
  const keys = await redis.keys(`newsline:member-pages:${store.conn.name}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await store.conn.dropDatabase();
  await store.close();
});

const srcA = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const srcB = 'bbbbbbbbbbbbbbbbbbbbbbbb';
/** Stores an article the way ingestion does: listed in the member index, then inserted. */
async function ingest(url: string, sourceId: string): Promise<string> {
  const id = articleIdFor(urlKey(url));
  await recordMembers(store, redis, [{ id, url, sourceId }]);
  await store.Article.create({
    _id: id,
    url,
    urlKey: urlKey(url),
    sourceUrl: url,
    sourceId,
    title: url,
    attribution: 'A',
    publishedAt: new Date(),
  });
  return id;
}
const scope = (kind: MatchScope['kind'], value: string): MatchScope => ({ kind, key: scopeKey(kind, value) });
const ids = async (s: MatchScope) => (await findScopeMatches(store, s, { redis })).map((m) => m._id).sort();
const scanned = async (s: MatchScope) => (await findScopeMatches(store, s, { thorough: true })).map((m) => m._id).sort();

describe('member index', () => {
  it('keys hosts by registrable domain; scopes that span public suffixes have no key', () => {
    expect(domainBucketOfHost('live.news.example.co.uk')).toBe('example.co.uk');
    expect(domainBucketOfHost('127.0.0.5')).toBe('127.0.0.5');
    expect(domainBucketOfHost('localhost')).toBe('localhost');
    expect(memberBase(scope('DOMAIN', 'news.example.co.uk'))).toBe('d:example.co.uk');
    expect(memberBase(scope('PREFIX', 'https://www.example.org:8443/sport/'))).toBe('d:example.org');
    expect(memberBase(scope('SOURCE', srcA))).toBe(`s:${srcA}`);
    expect(memberBase(scope('DOMAIN', 'co.uk'))).toBeUndefined();
    expect(memberBase(scope('URL', 'https://example.org/a'))).toBeUndefined();
  });

  it('finds source, domain and prefix scopes by `_id` reads, exactly as the scanning query does', async () => {
    const a1 = await ingest('https://mem.example/sport/1', srcA);
    const a2 = await ingest('https://live.mem.example/sport/2', srcA);
    const a3 = await ingest('https://mem.example/news/3', srcA);
    const b1 = await ingest('https://other.example/sport/1', srcB);
    const b2 = await ingest('https://mem.example/sport/4', srcB);
    expect(await ids(scope('SOURCE', srcA))).toEqual([a1, a2, a3].sort());
    expect(await ids(scope('DOMAIN', 'mem.example'))).toEqual([a1, a2, a3, b2].sort());
    expect(await ids(scope('DOMAIN', 'live.mem.example'))).toEqual([a2]);
    expect(await ids(scope('PREFIX', 'https://mem.example/sport/'))).toEqual([a1, b2].sort());
    expect(await ids(scope('PREFIX', 'https://other.example/'))).toEqual([b1]);
    for (const s of [scope('SOURCE', srcA), scope('DOMAIN', 'mem.example'), scope('PREFIX', 'https://mem.example/sport/')])
      expect(await ids(s)).toEqual(await scanned(s));
    // Removed articles are skipped (their members stay; readers check each article).
    await store.Article.deleteOne({ _id: a1 });
    expect(await ids(scope('PREFIX', 'https://mem.example/sport/'))).toEqual([b2]);
  });

  it('loses no member when many writers append at once (FerretDB v1 loses concurrent updates of one document)', async () => {
    const src = 'cccccccccccccccccccccccc';
    const other = await createStore(testServices('takedowns_members').mongoUrl.replace(/\/[^/]*$/, `/${store.conn.name}`));
    try {
      const urls = Array.from({ length: 120 }, (_, i) => `https://many.example/p/${i}`);
      await Promise.all(
        urls.map((url, i) => recordMembers(i % 2 ? store : other, redis, [{ id: articleIdFor(urlKey(url)), url, sourceId: src }])),
      );
      const pages = await scopeMemberModel(store.conn)
        .find({ _id: { $regex: `^s:${src}#` } })
        .lean();
      const listed = new Set(pages.flatMap((p) => p.members ?? []).map((m) => m.split(' ')[1]));
      expect(listed.size).toBe(120);
      // One page per writer (process/connection), not one per call.
      expect(pages).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it('finds every page after Redis lost the page counter', async () => {
    const src = 'dddddddddddddddddddddddd';
    const first = await ingest('https://lost.example/1', src);
    await redis.del(`newsline:member-pages:${store.conn.name}:s:${src}`);
    // Another process (its own writer state) records after the loss: the page number it is handed is taken.
    const other = await createStore(testServices('takedowns_members').mongoUrl.replace(/\/[^/]*$/, `/${store.conn.name}`));
    try {
      const url = 'https://lost.example/2';
      await recordMembers(other, redis, [{ id: articleIdFor(urlKey(url)), url, sourceId: src }]);
      await store.Article.create({
        _id: articleIdFor(urlKey(url)),
        url,
        urlKey: urlKey(url),
        sourceUrl: url,
        sourceId: src,
        title: url,
        attribution: 'A',
        publishedAt: new Date(),
      });
      expect(await ids(scope('SOURCE', src))).toEqual([first, articleIdFor(urlKey(url))].sort());
      await redis.del(`newsline:member-pages:${store.conn.name}:s:${src}`);
      expect(await ids(scope('SOURCE', src))).toEqual([first, articleIdFor(urlKey(url))].sort());
    } finally {
      await other.close();
    }
  });

  it('follows an article re-keyed to another domain', async () => {
    const moved = await ingest('https://feeds.movers.example/item/1', srcA);
    // Extraction re-keys it to its canonical page on another domain, listing it there first.
    await recordMembers(store, redis, [{ id: moved, url: 'https://canonical.example/story/1', sourceId: srcA }]);
    await store.Article.updateOne(
      { _id: moved },
      { $set: { url: 'https://canonical.example/story/1', urlKey: urlKey('https://canonical.example/story/1') } },
    );
    expect(await ids(scope('DOMAIN', 'canonical.example'))).toEqual([moved]);
    expect(await ids(scope('DOMAIN', 'movers.example'))).toEqual([]);
  });
});
