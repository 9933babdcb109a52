import { performance } from 'node:perf_hooks';
import type { FetchResult } from '../src';
import { hostKey } from '../src';
import { HostLimiter } from '../src/limiter';
import { closeClients, makeClient, notFound, startServer, testRedis, type TestServer } from './helpers';

const { redis, prefix, cleanup } = testRedis();
const servers: TestServer[] = [];
afterAll(async () => {
  await closeClients();
  await Promise.all(servers.map((s) => s.close()));
  await cleanup();
});

function code(r: FetchResult): string {
  return r.kind === 'error' ? r.error.code : r.kind;
}

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

function backoffTtl(s: TestServer): Promise<number> {
  return redis.pttl(`${prefix}host:{${hostKey(s.origin)}}:backoff`);
}

describe('429 / 503 host backoff', () => {
  it('429 with Retry-After seconds → rate-limited, and a second client skips the network', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      res.writeHead(429, { 'retry-after': '7', 'content-type': 'text/plain' }).end('slow down');
    });
    const a = makeClient(redis, prefix);
    const r = await a.fetch(`${s.origin}/feed`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'rate-limited', status: 429, retryable: true });
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeGreaterThan(6_000);
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeLessThanOrEqual(7_000);
    const ttl = await backoffTtl(s);
    expect(ttl).toBeGreaterThan(6_000);

    const b = makeClient(redis, prefix); // another "process" sharing Redis
    const hitsBefore = s.hits.length;
    const r2 = await b.fetch(`${s.origin}/other`);
    expect(r2.kind === 'error' && r2.error).toMatchObject({ code: 'host-backoff', retryable: true });
    expect(r2.kind === 'error' && r2.error.retryAfterMs).toBeGreaterThan(5_000);
    expect(s.hits.length).toBe(hitsBefore);
  });

  it('429 with an HTTP-date Retry-After', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 20_000).toUTCString() }).end();
    });
    const r = await makeClient(redis, prefix).fetch(`${s.origin}/x`);
    expect(code(r)).toBe('rate-limited');
    // HTTP-dates have 1 s resolution.
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeGreaterThan(18_000);
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(code(await makeClient(redis, prefix).fetch(`${s.origin}/y`))).toBe('host-backoff');
  });

  it('503 without Retry-After → exponential backoff that grows with consecutive failures', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      res.writeHead(503).end();
    });
    const c = makeClient(redis, prefix, { backoffBaseMs: 1000, backoffMaxMs: 60_000 });
    const r1 = await c.fetch(`${s.origin}/a`);
    expect(r1.kind === 'error' && r1.error).toMatchObject({ code: 'http-status', status: 503, retryable: true });
    expect(r1.kind === 'error' && r1.error.retryAfterMs).toBeGreaterThanOrEqual(1000 - 5);
    expect(r1.kind === 'error' && r1.error.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(code(await c.fetch(`${s.origin}/b`))).toBe('host-backoff');

    // Simulate the first backoff having elapsed, then fail again: attempt 2 → 1–2 s, attempt 3 → 2–4 s.
    await redis.del(`${prefix}host:{${hostKey(s.origin)}}:backoff`);
    const r2 = await c.fetch(`${s.origin}/c`);
    expect(r2.kind === 'error' && r2.error.retryAfterMs).toBeGreaterThanOrEqual(1000 - 5);
    expect(r2.kind === 'error' && r2.error.retryAfterMs).toBeLessThanOrEqual(2000);
    await redis.del(`${prefix}host:{${hostKey(s.origin)}}:backoff`);
    const r3 = await c.fetch(`${s.origin}/d`);
    expect(r3.kind === 'error' && r3.error.retryAfterMs).toBeGreaterThanOrEqual(2000 - 5);
    expect(r3.kind === 'error' && r3.error.retryAfterMs).toBeLessThanOrEqual(4000);
    expect(s.pageHits().map((h) => h.path)).toEqual(['/a', '/c', '/d']);
  });

  it('a success resets the failure count', async () => {
    let fail = true;
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      if (fail) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
    });
    const c = makeClient(redis, prefix);
    await c.fetch(`${s.origin}/a`);
    const fails = `${prefix}host:{${hostKey(s.origin)}}:fails`;
    expect(await redis.get(fails)).toBe('1');
    await redis.del(`${prefix}host:{${hostKey(s.origin)}}:backoff`);
    fail = false;
    expect(code(await c.fetch(`${s.origin}/b`))).toBe('ok');
    expect(await redis.exists(fails)).toBe(0);
  });
});

describe('timeouts back the host off', () => {
  it('a request that times out sets a host backoff, so the next ones fail fast instead of each waiting out the timeout', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      // A hanging host: accepts, never answers.
    });
    const a = makeClient(redis, prefix, { totalTimeoutMs: 300, backoffBaseMs: 5_000, backoffMaxMs: 60_000 });
    const r1 = await a.fetch(`${s.origin}/hang-1`);
    expect(r1.kind === 'error' && r1.error).toMatchObject({ code: 'timeout', retryable: true });
    expect(r1.kind === 'error' && r1.error.retryAfterMs).toBeGreaterThanOrEqual(5_000 - 5);
    expect(await backoffTtl(s)).toBeGreaterThan(4_000);

    const b = makeClient(redis, prefix, { totalTimeoutMs: 300 }); // another process sharing Redis
    const hitsBefore = s.pageHits().length;
    const t0 = performance.now();
    const r2 = await b.fetch(`${s.origin}/hang-2`);
    expect(r2.kind === 'error' && r2.error).toMatchObject({ code: 'host-backoff', retryable: true });
    expect(performance.now() - t0).toBeLessThan(300); // not another full timeout
    expect(s.pageHits()).toHaveLength(hitsBefore);
    expect(await redis.get(`${prefix}host:{${hostKey(s.origin)}}:fails`)).toBe('1');
  });
});

describe('per-host limits shared through Redis', () => {
  it('never exceeds hostConcurrency in flight across two client instances', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      // Hold each response so requests overlap if the limiter lets them.
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('x'), 120);
    });
    const a = makeClient(redis, prefix, { hostConcurrency: 2, hostRatePerSec: 1000, maxWaitMs: 20_000 });
    const b = makeClient(redis, prefix, { hostConcurrency: 2, hostRatePerSec: 1000, maxWaitMs: 20_000 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).fetch(`${s.origin}/p${i}`)));
    expect(results.map(code)).toEqual(Array(12).fill('ok'));
    expect(s.maxInFlight).toBeLessThanOrEqual(2);
    // And the limit is actually used, not serialised to one.
    expect(s.maxInFlight).toBe(2);
  });

  it('keeps the min interval between request starts across two client instances', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      res.writeHead(200, { 'content-type': 'text/html' }).end('x');
    });
    const a = makeClient(redis, prefix, { hostRatePerSec: 5, hostConcurrency: 8 });
    const b = makeClient(redis, prefix, { hostRatePerSec: 5, hostConcurrency: 8 });
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).fetch(`${s.origin}/p${i}`)));
    expect(results.map(code)).toEqual(Array(6).fill('ok'));
    expect(s.pageHits()).toHaveLength(6);
    // robots.txt requests (one per client instance: the dedup is per process) share the schedule.
    const at = s.hits.map((h) => h.at).sort((x, y) => x - y);
    expect(at.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(200 - 15);
    expect(performance.now() - t0).toBeGreaterThanOrEqual((at.length - 1) * 200 - 15);
  });

  it('returns rate-limited instead of waiting longer than maxWaitMs', async () => {
    const s = await server((req, res) => {
      if (req.url === '/robots.txt') return notFound(res);
      res.writeHead(200, { 'content-type': 'text/html' }).end('x');
    });
    const c = makeClient(redis, prefix, { hostRatePerSec: 0.5, maxWaitMs: 100 });
    // robots.txt takes the first slot; the page would need to wait ~2 s.
    const t0 = performance.now();
    const r = await c.fetch(`${s.origin}/page`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'rate-limited', retryable: true });
    expect(r.kind === 'error' && r.error.status).toBeUndefined();
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeGreaterThan(1500);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(s.pageHits()).toHaveLength(0);
  });
});

describe('HostLimiter leases', () => {
  it('a slot held by a crashed process frees itself when its lease expires', async () => {
    const limiter = new HostLimiter(redis, `${prefix}lease:`);
    const opts = { intervalMs: 0, concurrency: 1, leaseMs: 300, maxWaitMs: 5000 };
    const crashed = await limiter.acquire('h:80', opts);
    expect(crashed.kind).toBe('acquired'); // never released
    const busy = await limiter.acquire('h:80', { ...opts, maxWaitMs: 0 });
    expect(busy.kind).toBe('busy');
    const t0 = performance.now();
    const next = await limiter.acquire('h:80', opts);
    expect(next.kind).toBe('acquired');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    if (next.kind === 'acquired') await next.release();
  });

  it('release frees the slot immediately', async () => {
    const limiter = new HostLimiter(redis, `${prefix}lease2:`);
    const opts = { intervalMs: 0, concurrency: 1, leaseMs: 60_000, maxWaitMs: 0 };
    const first = await limiter.acquire('h:80', opts);
    expect((await limiter.acquire('h:80', opts)).kind).toBe('busy');
    if (first.kind === 'acquired') await first.release();
    const again = await limiter.acquire('h:80', opts);
    expect(again.kind).toBe('acquired');
    if (again.kind === 'acquired') await again.release();
  });

  it('backoff never shrinks', async () => {
    const limiter = new HostLimiter(redis, `${prefix}bo:`);
    expect(await limiter.setBackoff('h:80', 10_000)).toBe(10_000);
    expect(await limiter.setBackoff('h:80', 1_000)).toBeGreaterThan(9_000);
    const r = await limiter.acquire('h:80', { intervalMs: 0, concurrency: 1, leaseMs: 1000, maxWaitMs: 0 });
    expect(r.kind).toBe('backoff');
  });
});
