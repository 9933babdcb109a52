import { articleIdFor, domainsOf, urlKey } from '@newsline/domain';
import { testServices } from '@newsline/embedded-stack';
import { createStore, type Store } from '@newsline/store';
import { findScopeMatches, scopeFilter, scopeHint, scopeKey, type MatchScope } from '../src';

let store: Store;
beforeAll(async () => {
  store = await createStore(testServices('takedowns_matches').mongoUrl);
  await store.ensureIndexes();
});
afterAll(async () => {
  await store.conn.dropDatabase();
  await store.close();
});

const srcA = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const srcB = 'bbbbbbbbbbbbbbbbbbbbbbbb';
/** Stores an article the way ingestion does: under its URL's derived id, with its key and domains. */
async function ingest(url: string, sourceId: string): Promise<string> {
  const id = articleIdFor(urlKey(url));
  await store.Article.create({
    _id: id,
    url,
    urlKey: urlKey(url),
    domains: domainsOf(url),
    sourceUrl: url,
    sourceId,
    title: url,
    attribution: 'A',
    publishedAt: new Date(),
  });
  return id;
}
const scope = (kind: MatchScope['kind'], value: string): MatchScope => ({ kind, key: scopeKey(kind, value) });
const ids = async (s: MatchScope, limit?: number) => (await findScopeMatches(store, s, { limit })).map((m) => m._id).sort();

describe('findScopeMatches', () => {
  it('finds source, domain (subdomains included), prefix and URL scopes, and nothing outside them', async () => {
    const a1 = await ingest('https://mem.example/sport/1', srcA);
    const a2 = await ingest('https://live.mem.example/sport/2', srcA);
    const a3 = await ingest('https://mem.example/news/3', srcA);
    const b1 = await ingest('https://other.example/sport/1', srcB);
    const b2 = await ingest('https://mem.example/sport/4', srcB);
    // A neighbour whose key only starts like the prefix's parent: `/sport/` must not cover `/sportswear`.
    await ingest('https://mem.example/sportswear/5', srcB);
    expect(await ids(scope('SOURCE', srcA))).toEqual([a1, a2, a3].sort());
    expect(await ids(scope('DOMAIN', 'live.mem.example'))).toEqual([a2]);
    expect(await ids(scope('DOMAIN', 'other.example'))).toEqual([b1]);
    expect(await ids(scope('PREFIX', 'https://mem.example/sport/'))).toEqual([a1, b2].sort());
    expect(await ids(scope('URL', 'http://www.mem.example/news/3?utm_source=x'))).toEqual([a3]);
    expect(await ids(scope('DOMAIN', 'mem.example'))).toHaveLength(5);
    expect(await ids(scope('DOMAIN', 'mem.example'), 2)).toHaveLength(2);
    await store.Article.deleteOne({ _id: a1 });
    expect(await ids(scope('PREFIX', 'https://mem.example/sport/'))).toEqual([b2]);
  });

  it('follows an article re-keyed to its canonical URL on another domain', async () => {
    const moved = await ingest('https://feeds.movers.example/item/1', srcA);
    const canonical = 'https://canonical.example/story/1';
    // Extraction re-keys it: its id stays, its URL, key and domains change.
    await store.Article.updateOne({ _id: moved }, { $set: { url: canonical, urlKey: urlKey(canonical), domains: domainsOf(canonical) } });
    expect(await ids(scope('URL', canonical))).toEqual([moved]);
    expect(await ids(scope('DOMAIN', 'canonical.example'))).toEqual([moved]);
    expect(await ids(scope('PREFIX', 'https://canonical.example/story/'))).toEqual([moved]);
    expect(await ids(scope('DOMAIN', 'movers.example'))).toEqual([]);
    // Its id still derives from the feed link it came from: a takedown of that link covers it too.
    expect(await ids(scope('URL', 'https://feeds.movers.example/item/1'))).toEqual([moved]);
    expect(await ids(scope('URL', 'https://feeds.movers.example/item/2'))).toEqual([]);
  });

  it('sends each scope kind as a query an index serves (explain: no sequential scan of the articles)', async () => {
    // Enough rows that a scan would be the planner's choice only if no index applied.
    await store.Article.collection.insertMany(
      Array.from({ length: 3000 }, (_, i) => {
        const url = `https://bulk${i % 50}.example/section${i % 7}/${i}`;
        return {
          _id: articleIdFor(urlKey(url)) as never,
          url,
          urlKey: urlKey(url),
          domains: domainsOf(url),
          sourceUrl: url,
          sourceId: i % 2 ? srcA : srcB,
          title: url,
          attribution: 'A',
          publishedAt: new Date(),
        };
      }),
    );
    await store.conn.db!.command({ analyze: 'articles' }).catch(() => undefined);
    for (const s of [
      scope('URL', 'https://bulk3.example/section3/3'),
      scope('PREFIX', 'https://bulk3.example/section3/'),
      scope('DOMAIN', 'bulk3.example'),
      scope('SOURCE', srcA),
    ]) {
      const hint = scopeHint(s);
      const plan = JSON.stringify(await store.Article.collection.find(scopeFilter(s), hint ? { hint } : {}).limit(500).explain());
      expect({ kind: s.kind, plan: /Seq Scan|COLLSCAN/.test(plan) ? plan.slice(0, 400) : 'index' }).toEqual({
        kind: s.kind,
        plan: 'index',
      });
    }
    expect(await ids(scope('PREFIX', 'https://bulk3.example/section3/'))).toHaveLength(9);
  }, 60_000);
});
