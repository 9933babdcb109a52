import type http from 'node:http';
import type { FetchResult } from '../src';
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

/** A publisher whose /robots.txt answers with `robots`; every other path is a small HTML page. */
async function publisher(robots: (res: http.ServerResponse) => void): Promise<TestServer> {
  const s = await startServer((req, res) => {
    if (req.url === '/robots.txt') robots(res);
    else if (req.url?.startsWith('/')) res.writeHead(200, { 'content-type': 'text/html' }).end('page');
    else notFound(res);
  });
  servers.push(s);
  return s;
}

const ROBOTS = [
  'User-agent: NewslineBot',
  'Disallow: /private',
  '',
  'User-agent: *',
  'Disallow: /other-only',
  'Disallow: /private-all',
].join('\n');

describe('robots.txt', () => {
  it('disallows paths blocked for our token without fetching them', async () => {
    const s = await publisher((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS));
    const c = makeClient(redis, prefix);
    const r = await c.fetch(`${s.origin}/private/story`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'robots-disallowed', retryable: false });
    expect(s.hits.map((h) => h.path)).toEqual(['/robots.txt']);
  });

  it('matches only our group: rules for * do not apply when a NewslineBot group exists', async () => {
    const s = await publisher((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS));
    const c = makeClient(redis, prefix);
    expect(code(await c.fetch(`${s.origin}/other-only`))).toBe('ok');
    expect(code(await c.fetch(`${s.origin}/public`))).toBe('ok');
    const other = makeClient(redis, `${prefix}other:`, { robotsToken: 'SomeOtherBot' });
    expect(code(await other.fetch(`${s.origin}/other-only`))).toBe('robots-disallowed');
    expect(code(await other.fetch(`${s.origin}/private/story`))).toBe('ok');
  });

  it('caches robots.txt in Redis across client instances', async () => {
    const s = await publisher((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS));
    await makeClient(redis, prefix).fetch(`${s.origin}/a`);
    await makeClient(redis, prefix).fetch(`${s.origin}/b`);
    expect(s.hits.filter((h) => h.path === '/robots.txt')).toHaveLength(1);
    const ttl = await redis.ttl(`${prefix}robots:${s.origin}`);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('clamps the robots cache TTL to 24 h and honours a shorter one', async () => {
    const s = await publisher((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS));
    await makeClient(redis, prefix, { robotsCacheTtlSec: 7 * 86_400 }).fetch(`${s.origin}/a`);
    expect(await redis.ttl(`${prefix}robots:${s.origin}`)).toBeLessThanOrEqual(86_400);
    const s2 = await publisher((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS));
    await makeClient(redis, prefix, { robotsCacheTtlSec: 60 }).fetch(`${s2.origin}/a`);
    expect(await redis.ttl(`${prefix}robots:${s2.origin}`)).toBeLessThanOrEqual(60);
  });

  it('404 robots.txt allows everything', async () => {
    const s = await publisher((res) => res.writeHead(404).end());
    expect(code(await makeClient(redis, prefix).fetch(`${s.origin}/private/x`))).toBe('ok');
  });

  it('500 robots.txt disallows everything, retryable, cached only briefly', async () => {
    const s = await publisher((res) => res.writeHead(500).end());
    const c = makeClient(redis, prefix, { robotsErrorCacheTtlSec: 30 });
    const r = await c.fetch(`${s.origin}/anything`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'robots-disallowed', retryable: true });
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeGreaterThan(0);
    expect(r.kind === 'error' && r.error.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(s.pageHits()).toHaveLength(0);
    expect(await redis.ttl(`${prefix}robots:${s.origin}`)).toBeLessThanOrEqual(30);
  });

  it('unreachable robots.txt (timeout) disallows everything', async () => {
    const s = await publisher(() => undefined);
    const r = await makeClient(redis, prefix, { totalTimeoutMs: 300 }).fetch(`${s.origin}/x`);
    expect(code(r)).toBe('robots-disallowed');
    expect(r.kind === 'error' && r.error.message).toContain('timeout');
  });

  it('follows robots.txt redirects (up to 5)', async () => {
    let s: TestServer | undefined;
    s = await startServer((req, res) => {
      const m = /^\/r(\d)$/.exec(req.url ?? '');
      if (req.url === '/robots.txt') res.writeHead(301, { location: '/r5' }).end();
      else if (m) {
        const n = Number(m[1]);
        if (n > 1) res.writeHead(302, { location: `/r${n - 1}` }).end();
        else res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /');
      } else res.writeHead(200, { 'content-type': 'text/html' }).end('page');
    });
    servers.push(s);
    // 5 redirects: /robots.txt → /r5 → /r4 → /r3 → /r2 → /r1.
    expect(code(await makeClient(redis, prefix).fetch(`${s.origin}/x`))).toBe('robots-disallowed');
    s = undefined;
  });

  it('honours Crawl-delay by widening the min interval between requests', async () => {
    const s = await publisher((res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: NewslineBot\nCrawl-delay: 0.4\nAllow: /'),
    );
    const c = makeClient(redis, prefix, { hostRatePerSec: 1000 });
    const results = await Promise.all([c.fetch(`${s.origin}/1`), c.fetch(`${s.origin}/2`), c.fetch(`${s.origin}/3`)]);
    expect(results.map(code)).toEqual(['ok', 'ok', 'ok']);
    const at = s
      .pageHits()
      .map((h) => h.at)
      .sort((a, b) => a - b);
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(400 - 15);
  });

  it('truncates a huge robots.txt instead of failing (RFC 9309: parse at least 500 KiB)', async () => {
    const filler = `# ${'x'.repeat(1000)}\n`.repeat(700);
    const s = await publisher((res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nDisallow: /blocked\n${filler}`),
    );
    const c = makeClient(redis, prefix);
    expect(code(await c.fetch(`${s.origin}/blocked`))).toBe('robots-disallowed');
    expect(code(await c.fetch(`${s.origin}/open`))).toBe('ok');
  });
});
