import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import { Types } from 'mongoose';
import { KEYS, startStack, type Stack } from './harness';

/**
 * The gateway response cache: a TTL far longer than the test, so only the removal event can
 * explain a removed article disappearing; roles never share an entry; what must not be cached
 * (compliance data, errors) is not.
 */
let s: Stack;
let sourceId: string;
const ids: string[] = [];
const reader = { 'x-api-key': KEYS.reader };
const admin = { 'x-api-key': KEYS.admin };
const T0 = Date.parse('2026-03-01T00:00:00Z');

beforeAll(async () => {
  s = await startStack('cache', { GATEWAY_CACHE_TTL_MS: '120000', GATEWAY_CACHE_STALE_MS: '0' });
  const src = await s.store.Source.create({ key: 'cache-src', name: 'Cache Source', homepage: 'https://cache.example/', attribution: 'C' });
  sourceId = String(src._id);
  for (let i = 0; i < 3; i++) {
    const url = `https://cache.example/a/${i}`;
    const a = await s.store.Article.create({
      urlKey: `cache.example/a/${i}`,
      url,
      sourceUrl: url,
      attribution: 'C',
      sourceId: new Types.ObjectId(sourceId),
      title: `Cached headline ${i}`,
      language: 'en',
      publishedAt: new Date(T0 + i * 60_000),
    });
    ids.unshift(String(a._id)); // newest first
  }
}, 90_000);
afterAll(() => s?.stop());

const HEADLINES = `query($f: HeadlineFilter) { headlines(filter: $f, first: 10) { edges { node { id title source { id name } } } } }`;

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(s.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
  return { cache: res.headers.get('x-newsline-cache'), ...body };
}

const page = (r: Awaited<ReturnType<typeof post>>) =>
  (r.data?.headlines as { edges: { node: { id: string; source: { name: string } } }[] }).edges.map((e) => e.node);

async function metric(name: string): Promise<number> {
  const text = await (await fetch(s.gatewayUrl.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

describe('gateway response cache', () => {
  it('keys entries by role: readers and admins never share one', async () => {
    const f = { f: { sourceIds: [sourceId], languages: ['en'] } };
    expect((await post(HEADLINES, f, reader)).cache).toBe('miss');
    expect((await post(HEADLINES, f, reader)).cache).toBe('hit');
    const a = await post(HEADLINES, f, admin);
    expect(a.errors).toBeUndefined();
    expect(a.cache).toBe('miss');
    expect((await post(HEADLINES, f, admin)).cache).toBe('hit');
    // Anonymous callers have ANONYMOUS_ROLE (reader here): the reader entry is theirs too.
    expect((await post(HEADLINES, f, {})).cache).toBe('hit');
  });

  it('does not cache compliance data or errors, and counts hits and misses in /metrics', async () => {
    const t = await post(`{ takedownRequests(first: 5) { id status } }`, {}, admin);
    expect(t.errors).toBeUndefined();
    expect(t.cache).toBeNull();
    for (let i = 0; i < 2; i++) {
      const bad = await post(`query($n: Int!) { headlines(first: $n) { edges { node { id } } } }`, { n: 1000 }, reader);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.cache).toBe('miss');
    }
    expect(await metric('newsline_gateway_cache_requests_total{result="hit"}')).toBeGreaterThan(0);
    expect(await metric('newsline_gateway_cache_requests_total{result="miss"}')).toBeGreaterThan(0);
  });

  it('drops cached pages on headline.removed: a removed article is no longer returned through the gateway', async () => {
    const f = { f: { sourceIds: [sourceId] } };
    const first = await post(HEADLINES, f, reader);
    expect(first.errors).toBeUndefined();
    expect(first.cache).toBe('miss');
    expect(page(first).map((n) => n.id)).toEqual(ids);
    expect(page(first).every((n) => n.source.name === 'Cache Source')).toBe(true);
    expect((await post(HEADLINES, f, reader)).cache).toBe('hit');

    // Gone from the database but not yet announced: the cache still answers (this is what the event is for).
    const removed = ids[1]!;
    await s.store.Article.deleteOne({ _id: removed });
    const before = await post(HEADLINES, f, reader);
    expect(before.cache).toBe('hit');
    expect(page(before).map((n) => n.id)).toContain(removed);

    const flushes = await metric('newsline_gateway_cache_invalidations_total');
    await s.redis.publish(
      EVENTS_CHANNEL,
      encodeEvent({ type: 'headline.removed', articleId: removed, url: 'https://cache.example/a/1', at: new Date().toISOString() }),
    );
    // The gateway handles the event on its own Redis connection: wait until it has.
    while ((await metric('newsline_gateway_cache_invalidations_total')) === flushes) await new Promise((r) => setTimeout(r, 10));

    const after = await post(HEADLINES, f, reader);
    expect(after.errors).toBeUndefined();
    expect(after.cache).toBe('miss');
    expect(page(after).map((n) => n.id)).toEqual([ids[0], ids[2]]);
    const art = await post(`query($id: ID!) { article(id: $id) { id } }`, { id: removed }, reader);
    expect(art.data).toEqual({ article: null });
  });
});
