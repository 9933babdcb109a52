import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import type { FetchResult } from '../src';
import { closeClients, makeClient, notFound, startServer, testRedis, UA, type TestServer } from './helpers';

const { redis, prefix, cleanup } = testRedis();
const servers: TestServer[] = [];
afterAll(async () => {
  await closeClients();
  await Promise.all(servers.map((s) => s.close()));
  await cleanup();
});

function errCode(r: FetchResult): string {
  return r.kind === 'error' ? r.error.code : r.kind;
}

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>';

describe('successful fetches', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer((req, res) => {
      if (req.url === '/gzip') {
        const gz = zlib.gzipSync(FEED);
        res.writeHead(200, {
          'content-type': 'application/rss+xml; charset=utf-8',
          'content-encoding': 'gzip',
          'content-length': gz.length,
          etag: '"v1"',
        });
        res.end(gz);
      } else if (req.url === '/br') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' });
        res.end(zlib.brotliCompressSync('<html>brotli</html>'));
      } else if (req.url === '/deflate') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' });
        res.end(zlib.deflateSync('<html>deflate</html>'));
      } else if (req.url === '/cond') {
        const inm = req.headers['if-none-match'];
        const ims = req.headers['if-modified-since'];
        if (inm === '"abc"' || ims === 'Wed, 01 Jan 2025 00:00:00 GMT') {
          res.writeHead(304, { etag: '"abc"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }).end();
        } else {
          res
            .writeHead(200, { 'content-type': 'text/html', etag: '"abc"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' })
            .end('<html>fresh</html>');
        }
      } else notFound(res);
    });
    servers.push(srv);
  });

  it('decodes gzip and reports headers, validators and the request headers we sent', async () => {
    const c = makeClient(redis, prefix);
    const r = await c.fetch(`${srv.origin}/gzip`, { kind: 'feed' });
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.body.toString('utf8')).toBe(FEED);
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${srv.origin}/gzip`);
    expect(r.finalUrl).toBe(`${srv.origin}/gzip`);
    expect(r.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(r.etag).toBe('"v1"');
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.redirects).toEqual([]);
    const hit = srv.hits.find((h) => h.path === '/gzip')!;
    expect(hit.headers['user-agent']).toBe(UA);
    expect(hit.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(hit.headers.accept).toContain('application/rss+xml');
    expect(hit.headers['if-none-match']).toBeUndefined();
  });

  it('decodes br and deflate', async () => {
    const c = makeClient(redis, prefix);
    const br = await c.fetch(`${srv.origin}/br`);
    const df = await c.fetch(`${srv.origin}/deflate`);
    expect(br.kind === 'ok' && br.body.toString()).toBe('<html>brotli</html>');
    expect(df.kind === 'ok' && df.body.toString()).toBe('<html>deflate</html>');
  });

  it('sends If-None-Match and returns not-modified on 304', async () => {
    const c = makeClient(redis, prefix);
    const r = await c.fetch(`${srv.origin}/cond`, { etag: '"abc"' });
    expect(r).toMatchObject({
      kind: 'not-modified',
      finalUrl: `${srv.origin}/cond`,
      etag: '"abc"',
      lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT',
    });
    expect(srv.hits.filter((h) => h.path === '/cond').at(-1)!.headers['if-none-match']).toBe('"abc"');
  });

  it('sends If-Modified-Since and returns not-modified on 304', async () => {
    const c = makeClient(redis, prefix);
    const r = await c.fetch(`${srv.origin}/cond`, { lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
    expect(r.kind).toBe('not-modified');
    const hit = srv.hits.filter((h) => h.path === '/cond').at(-1)!;
    expect(hit.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(hit.headers['if-none-match']).toBeUndefined();
  });

  it('returns the full body when validators do not match', async () => {
    const c = makeClient(redis, prefix);
    const r = await c.fetch(`${srv.origin}/cond`, { etag: '"old"' });
    expect(r.kind === 'ok' && r.body.toString()).toBe('<html>fresh</html>');
  });
});

describe('limits', () => {
  let srv: TestServer;
  const big = Buffer.alloc(300 * 1024, 'a');
  beforeAll(async () => {
    srv = await startServer((req, res) => {
      switch (req.url) {
        case '/big-cl':
          res.writeHead(200, { 'content-type': 'text/html', 'content-length': big.length }).end(big);
          return;
        case '/big-chunked':
          // No Content-Length: only counting while streaming can catch this.
          res.writeHead(200, { 'content-type': 'text/html' });
          for (let i = 0; i < 10; i++) res.write(big.subarray(0, 30 * 1024));
          res.end();
          return;
        case '/bomb': {
          const gz = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024));
          res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': gz.length }).end(gz);
          return;
        }
        case '/small-gzip': {
          const gz = zlib.gzipSync(Buffer.alloc(150 * 1024, 'b'));
          res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(gz);
          return;
        }
        case '/slow-body': {
          res.writeHead(200, { 'content-type': 'text/html' });
          // A slow-loris: one byte every 100 ms keeps any per-chunk idle timeout happy forever.
          const t = setInterval(() => res.write('x'), 100);
          res.on('close', () => clearInterval(t));
          return;
        }
        case '/slow-headers':
          res.on('close', () => undefined);
          return; // never answers
        case '/pdf':
          res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF');
          return;
        case '/no-type':
          res.removeHeader('content-type');
          res.writeHead(200).end('<rss/>');
          return;
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html></html>');
          return;
        case '/json-feed':
          res.writeHead(200, { 'content-type': 'application/feed+json' }).end('{}');
          return;
        case '/410':
          res.writeHead(410, { 'content-type': 'text/plain' }).end('gone');
          return;
        case '/500':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
          return;
        default:
          notFound(res);
      }
    });
    servers.push(srv);
  });

  it('rejects an oversized body from Content-Length before reading it', async () => {
    const c = makeClient(redis, prefix, { maxBytes: 100 * 1024 });
    const r = await c.fetch(`${srv.origin}/big-cl`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'too-large', retryable: false });
    expect(r.kind === 'error' && r.error.message).toContain('Content-Length');
  });

  it('rejects an oversized body without Content-Length while streaming', async () => {
    const c = makeClient(redis, prefix, { maxBytes: 100 * 1024 });
    const r = await c.fetch(`${srv.origin}/big-chunked`);
    expect(errCode(r)).toBe('too-large');
    const ok = await makeClient(redis, prefix, { maxBytes: 400 * 1024 }).fetch(`${srv.origin}/big-chunked`);
    expect(ok.kind === 'ok' && ok.body.length).toBe(300 * 1024);
  });

  it('rejects a gzip bomb by ratio before inflating it', async () => {
    const c = makeClient(redis, prefix, { maxBytes: 64 * 1024 * 1024 });
    const before = process.memoryUsage().rss;
    const r = await c.fetch(`${srv.origin}/bomb`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'decompression-bomb', retryable: false });
    // 200 MiB of zeros must not have been materialised.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('caps the decoded size too, even at a legitimate ratio', async () => {
    const c = makeClient(redis, prefix, { maxBytes: 100 * 1024 });
    expect(errCode(await c.fetch(`${srv.origin}/small-gzip`))).toBe('too-large');
  });

  it('ends a trickling body with timeout within totalTimeoutMs', async () => {
    // A limiter of its own: a timeout backs the host off (limits.test.ts), which would fail later tests here.
    const c = makeClient(redis, `${prefix}slow-body:`, { totalTimeoutMs: 800 });
    const t0 = performance.now();
    const r = await c.fetch(`${srv.origin}/slow-body`);
    const took = performance.now() - t0;
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'timeout', retryable: true });
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(800 + 500);
  });

  it('times out a server that never sends headers', async () => {
    const c = makeClient(redis, `${prefix}slow-headers:`, { totalTimeoutMs: 500 });
    const t0 = performance.now();
    expect(errCode(await c.fetch(`${srv.origin}/slow-headers`))).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(500 + 500);
  });

  it('enforces per-kind content types', async () => {
    const c = makeClient(redis, prefix);
    const pdf = await c.fetch(`${srv.origin}/pdf`, { kind: 'page' });
    expect(pdf.kind === 'error' && pdf.error).toMatchObject({ code: 'content-type', status: 200 });
    expect(errCode(await c.fetch(`${srv.origin}/pdf`, { kind: 'feed' }))).toBe('content-type');
    expect(errCode(await c.fetch(`${srv.origin}/html`, { kind: 'page' }))).toBe('ok');
    expect(errCode(await c.fetch(`${srv.origin}/json-feed`, { kind: 'feed' }))).toBe('ok');
    expect(errCode(await c.fetch(`${srv.origin}/json-feed`, { kind: 'page' }))).toBe('content-type');
    // A missing type is tolerated for feeds (sniffed downstream), not for pages.
    expect(errCode(await c.fetch(`${srv.origin}/no-type`, { kind: 'feed' }))).toBe('ok');
    expect(errCode(await c.fetch(`${srv.origin}/no-type`, { kind: 'page' }))).toBe('content-type');
  });

  it('honours allowedContentTypes overrides per kind', async () => {
    const c = makeClient(redis, prefix, { allowedContentTypes: { page: ['application/pdf'] } });
    expect(errCode(await c.fetch(`${srv.origin}/pdf`, { kind: 'page' }))).toBe('ok');
    expect(errCode(await c.fetch(`${srv.origin}/html`, { kind: 'page' }))).toBe('content-type');
    expect(errCode(await c.fetch(`${srv.origin}/json-feed`, { kind: 'feed' }))).toBe('ok');
  });

  it('reports other statuses as http-status, retryable only for 5xx', async () => {
    const c = makeClient(redis, prefix);
    const gone = await c.fetch(`${srv.origin}/410`);
    const boom = await c.fetch(`${srv.origin}/500`);
    expect(gone.kind === 'error' && gone.error).toMatchObject({ code: 'http-status', status: 410, retryable: false });
    expect(boom.kind === 'error' && boom.error).toMatchObject({ code: 'http-status', status: 500, retryable: true });
  });

  it('returns aborted-by-caller as a non-retryable network error', async () => {
    const c = makeClient(redis, prefix);
    const ac = new AbortController();
    const before = srv.hits.filter((h) => h.path === '/slow-headers').length;
    const p = c.fetch(`${srv.origin}/slow-headers`, { signal: ac.signal });
    await new Promise<void>((resolve) => {
      const poll = () => (srv.hits.filter((h) => h.path === '/slow-headers').length > before ? resolve() : setImmediate(poll));
      poll();
    });
    ac.abort();
    const r = await p;
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'network', retryable: false });
  });

  it('returns network errors for a closed port instead of throwing', async () => {
    const dead = await startServer(() => undefined);
    await dead.close();
    const r = await makeClient(redis, prefix).fetch(`${dead.origin}/x`);
    // The robots.txt fetch fails first, which means disallow-all until it can be fetched.
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'robots-disallowed', retryable: true });
    const direct = await makeClient(redis, prefix).fetch(`${dead.origin}/robots.txt`, { kind: 'robots' });
    expect(direct.kind === 'error' && direct.error).toMatchObject({ code: 'network', retryable: true });
  });
});

describe('redirects', () => {
  let srv: TestServer;
  let other: TestServer;
  beforeAll(async () => {
    other = await startServer((req, res) => {
      if (req.url === '/landing') res.writeHead(200, { 'content-type': 'text/html' }).end('other');
      else notFound(res);
    });
    srv = await startServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const chain = /^\/chain\/(\d+)$/.exec(u.pathname);
      if (chain) {
        const n = Number(chain[1]);
        if (n === 0) res.writeHead(200, { 'content-type': 'text/html' }).end('end of chain');
        else res.writeHead(302, { location: `/chain/${n - 1}` }).end();
      } else if (u.pathname === '/relative') {
        res.writeHead(301, { location: 'target?q=1' }).end();
      } else if (u.pathname === '/target') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`target ${u.search} inm=${req.headers['if-none-match'] ?? ''}`);
      } else if (u.pathname === '/absolute') {
        res.writeHead(308, { location: `${other.origin}/landing` }).end();
      } else if (u.pathname === '/loop-a') {
        res.writeHead(302, { location: '/loop-b' }).end();
      } else if (u.pathname === '/loop-b') {
        res.writeHead(302, { location: `${srv.origin}/loop-a` }).end();
      } else if (u.pathname === '/no-location') {
        res.writeHead(302).end();
      } else notFound(res);
    });
    servers.push(srv, other);
  });

  it('resolves relative Locations and drops validators after the first hop', async () => {
    const r = await makeClient(redis, prefix).fetch(`${srv.origin}/relative`, { etag: '"x"' });
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.finalUrl).toBe(`${srv.origin}/target?q=1`);
    expect(r.url).toBe(`${srv.origin}/relative`);
    expect(r.redirects).toEqual([`${srv.origin}/target?q=1`]);
    expect(r.body.toString()).toBe('target ?q=1 inm=');
    expect(srv.hits.find((h) => h.path === '/relative')!.headers['if-none-match']).toBe('"x"');
  });

  it('follows absolute Locations to another host', async () => {
    const r = await makeClient(redis, prefix).fetch(`${srv.origin}/absolute`);
    expect(r.kind === 'ok' && r.finalUrl).toBe(`${other.origin}/landing`);
    expect(r.kind === 'ok' && r.body.toString()).toBe('other');
    // The new origin's robots.txt was consulted before its page.
    expect(other.hits.map((h) => h.path)).toEqual(['/robots.txt', '/landing']);
  });

  it('follows exactly maxRedirects (5) and refuses the 6th', async () => {
    const c = makeClient(redis, prefix);
    const five = await c.fetch(`${srv.origin}/chain/5`);
    expect(five.kind === 'ok' && five.redirects.length).toBe(5);
    expect(five.kind === 'ok' && five.body.toString()).toBe('end of chain');
    const six = await c.fetch(`${srv.origin}/chain/6`);
    expect(errCode(six)).toBe('too-many-redirects');
    // The 6th Location was never requested.
    expect(srv.hits.filter((h) => h.path === '/chain/0')).toHaveLength(1);
  });

  it('honours a smaller maxRedirects', async () => {
    const r = await makeClient(redis, prefix, { maxRedirects: 1 }).fetch(`${srv.origin}/chain/2`);
    expect(errCode(r)).toBe('too-many-redirects');
  });

  it('detects redirect loops', async () => {
    const r = await makeClient(redis, prefix).fetch(`${srv.origin}/loop-a`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'redirect-loop', retryable: false });
    expect(srv.hits.filter((h) => h.path === '/loop-a')).toHaveLength(1);
  });

  it('reports a 3xx without Location as http-status', async () => {
    const r = await makeClient(redis, prefix).fetch(`${srv.origin}/no-location`);
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'http-status', status: 302 });
  });
});
