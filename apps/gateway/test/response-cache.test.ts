import { cacheKey, ResponseCache, storable, type CachedResponse } from '../src/response-cache';

const json = (body: unknown, status = 200): CachedResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: Buffer.from(JSON.stringify(body)),
});
const PAGE = json({ data: { headlines: { edges: [] } } });

/** A load whose answer the test releases, to hold a request in flight. */
function deferred() {
  let resolve!: (r: CachedResponse) => void;
  const p = new Promise<CachedResponse>((r) => (resolve = r));
  return { load: jest.fn(() => p), resolve };
}

describe('ResponseCache', () => {
  let now = 0;
  const cache = () => new ResponseCache({ ttlMs: 1000, staleMs: 2000, maxEntries: 3, now: () => now });
  beforeEach(() => (now = 0));

  it('answers from the cache while fresh, serves stale while one refresh runs, then misses', async () => {
    const c = cache();
    const load = jest.fn(async () => PAGE);
    expect((await c.serve('k', load)).outcome).toBe('miss');
    now = 1000;
    expect((await c.serve('k', load)).outcome).toBe('hit');
    expect(load).toHaveBeenCalledTimes(1);
    now = 1500;
    const refresh = deferred();
    expect((await c.serve('k', refresh.load)).outcome).toBe('stale');
    expect((await c.serve('k', refresh.load)).outcome).toBe('stale');
    expect(refresh.load).toHaveBeenCalledTimes(1); // one refresh, however many stale answers
    refresh.resolve(json({ data: { v: 2 } }));
    await new Promise(setImmediate);
    const r = await c.serve('k', load);
    expect(r.outcome).toBe('hit');
    expect(JSON.parse(r.response.body.toString())).toEqual({ data: { v: 2 } });
    now = 1500 + 3001; // past TTL + stale window
    expect((await c.serve('k', load)).outcome).toBe('miss');
  });

  it('runs at most maxRefreshes background refreshes at once; the others stay stale until a later request', async () => {
    const c = new ResponseCache({ ttlMs: 1000, staleMs: 2000, maxEntries: 10, maxRefreshes: 2, now: () => now });
    for (const k of ['a', 'b', 'c']) await c.serve(k, async () => PAGE);
    now = 1500;
    const refresh = deferred();
    for (const k of ['a', 'b', 'c']) expect((await c.serve(k, refresh.load)).outcome).toBe('stale');
    expect(refresh.load).toHaveBeenCalledTimes(2);
    refresh.resolve(PAGE);
    await new Promise(setImmediate);
    await new Promise(setImmediate);
    expect((await c.serve('c', refresh.load)).outcome).toBe('stale'); // a slot is free again: c refreshes now
    expect(refresh.load).toHaveBeenCalledTimes(3);
    expect((await c.serve('a', refresh.load)).outcome).toBe('hit');
  });

  it('shares one upstream request between identical concurrent misses', async () => {
    const c = cache();
    const d = deferred();
    const a = c.serve('k', d.load);
    const b = c.serve('k', d.load);
    d.resolve(PAGE);
    expect([(await a).outcome, (await b).outcome]).toEqual(['miss', 'shared']);
    expect(d.load).toHaveBeenCalledTimes(1);
  });

  it('never stores errors, non-200 or non-JSON answers', async () => {
    const c = cache();
    for (const bad of [
      json({ data: null, errors: [{ message: 'x' }] }),
      json({ data: { a: 1 }, errors: [{ message: 'partial' }] }),
      json({ data: { a: 1 } }, 500),
      { status: 200, headers: { 'content-type': 'text/event-stream' }, body: Buffer.from('data: {}') },
    ]) {
      expect(storable(bad)).toBe(false);
      const load = jest.fn(async () => bad);
      await c.serve('bad', load);
      await c.serve('bad', load);
      expect(load).toHaveBeenCalledTimes(2);
    }
    expect(c.size).toBe(0);
  });

  it('invalidateAll drops entries and does not store answers that were in flight before it', async () => {
    const c = cache();
    await c.serve('a', async () => PAGE);
    const d = deferred();
    const pending = c.serve('b', d.load);
    c.invalidateAll();
    d.resolve(PAGE); // read before the removal: may still hold the removed article
    expect((await pending).outcome).toBe('miss');
    expect(c.size).toBe(0);
    const again = jest.fn(async () => PAGE);
    expect((await c.serve('b', again)).outcome).toBe('miss');
    expect((await c.serve('a', again)).outcome).toBe('miss');
    expect(again).toHaveBeenCalledTimes(2);
    // Within the settle time after a removal nothing is stored (subgraphs may not have applied it yet).
    expect((await c.serve('a', again)).outcome).toBe('miss');
    now += 1000;
    await c.serve('a', again);
    expect((await c.serve('a', again)).outcome).toBe('hit');
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const c = cache();
    for (const k of ['a', 'b', 'c', 'd']) await c.serve(k, async () => PAGE);
    expect(c.size).toBe(3);
    const load = jest.fn(async () => PAGE);
    expect((await c.serve('a', load)).outcome).toBe('miss');
    expect((await c.serve('d', load)).outcome).toBe('hit');
  });
});

describe('cacheKey', () => {
  const q = 'query P($f: HeadlineFilter) { headlines(filter: $f) { edges { node { id title source { name } } } } }';

  it('keys catalogue queries by role, so readers and admins never share an entry', () => {
    const reader = cacheKey('reader', 'application/json', { query: q, variables: { f: {} } });
    const admin = cacheKey('admin', 'application/json', { query: q, variables: { f: {} } });
    expect(reader).toBeDefined();
    expect(admin).toBeDefined();
    expect(reader).not.toBe(admin);
    expect(cacheKey('reader', 'application/json', { query: q, variables: { f: { languages: ['en'] } } })).not.toBe(reader);
    // CORS answers depend on the Origin: another origin does not get the first one's headers.
    expect(cacheKey('reader', 'application/json', { query: q, variables: { f: {} } }, 'https://a.example')).not.toBe(reader);
  });

  it('follows fragments and the selected operation', () => {
    expect(cacheKey('reader', '', { query: 'query { ...F } fragment F on Query { sources { id } }' })).toBeDefined();
    expect(cacheKey('reader', '', { query: 'query { ...F } fragment F on Query { takedownRequests { id } }' })).toBeUndefined();
    const two = 'query A { sources { id } } mutation B { x }';
    expect(cacheKey('reader', '', { query: two, operationName: 'A' })).toBeDefined();
    expect(cacheKey('reader', '', { query: two, operationName: 'B' })).toBeUndefined();
    expect(cacheKey('reader', '', { query: two })).toBeUndefined();
  });

  it('does not cache mutations, subscriptions, compliance data, streams, syntax errors or persisted ids alone', () => {
    expect(cacheKey('admin', '', { query: 'mutation { submitTakedown(input: {}) { duplicate } }' })).toBeUndefined();
    expect(cacheKey('reader', '', { query: 'subscription { headlineAdded { id } }' })).toBeUndefined();
    expect(cacheKey('admin', '', { query: '{ takedownRequests { id } }' })).toBeUndefined();
    expect(cacheKey('admin', '', { query: '{ sources { id } overdueTakedowns { id } }' })).toBeUndefined();
    expect(cacheKey('reader', 'text/event-stream', { query: q })).toBeUndefined();
    expect(cacheKey('reader', 'multipart/mixed', { query: q })).toBeUndefined();
    expect(cacheKey('reader', '', { query: '{ headlines(' })).toBeUndefined();
    expect(cacheKey('reader', '', { extensions: { persistedQuery: { sha256Hash: 'abc' } } })).toBeUndefined();
  });
});
