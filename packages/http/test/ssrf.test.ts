import type { FetchResult } from '../src';
import { closeClients, makeClient, startServer, testRedis, type TestServer } from './helpers';

const { redis, prefix, cleanup } = testRedis();
let srv: TestServer;
let guarded: ReturnType<typeof makeClient>;
let open: ReturnType<typeof makeClient>;

beforeAll(async () => {
  srv = await startServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/to') {
      res.writeHead(302, { location: u.searchParams.get('u') ?? '/' }).end();
    } else if (u.pathname === '/robots.txt') {
      res.writeHead(404).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('reached');
    }
  });
  guarded = makeClient(redis, prefix, { allowHosts: [] });
  open = makeClient(redis, prefix);
});
afterAll(async () => {
  await closeClients();
  await srv.close();
  await cleanup();
});

function code(r: FetchResult): string {
  return r.kind === 'error' ? r.error.code : r.kind;
}

describe('direct attempts at internal addresses', () => {
  // Each form points at the live test server; zero hits proves the guard refused before connecting.
  const forms = (port: number) => [
    `http://127.0.0.1:${port}/`,
    `http://[::1]:${port}/`,
    `http://0x7f000001:${port}/`,
    `http://2130706433:${port}/`,
    `http://017700000001:${port}/`,
    `http://127.1:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://localhost:${port}/`,
  ];

  it('refuses loopback in every spelling when not allow-listed, without traffic', async () => {
    for (const url of forms(srv.port)) {
      const r = await guarded.fetch(url);
      expect([url, code(r)]).toEqual([url, 'ssrf-blocked']);
      expect(r.kind === 'error' && r.error.retryable).toBe(false);
    }
    expect(srv.hits).toHaveLength(0);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://10.0.0.1/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
  ])('refuses %s', async (url) => {
    const r = await guarded.fetch(url);
    expect(code(r)).toBe('ssrf-blocked');
  });

  it('allows the same server once 127.0.0.1 is allow-listed (control)', async () => {
    const r = await open.fetch(`${srv.origin}/page`);
    expect(r.kind === 'ok' && r.body.toString()).toBe('reached');
  });

  it('accepts CIDR allow entries', async () => {
    const c = makeClient(redis, prefix, { allowHosts: ['127.0.0.0/8'] });
    expect(code(await c.fetch(`http://127.0.0.1:${srv.port}/cidr`))).toBe('ok');
  });
});

describe('redirects into internal addresses', () => {
  it.each(['http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:10.0.0.1]/', 'http://[fd00:ec2::254]/'])(
    'refuses a redirect to %s before connecting',
    async (target) => {
      const r = await open.fetch(`${srv.origin}/to?u=${encodeURIComponent(target)}`);
      expect(r.kind === 'error' && r.error).toMatchObject({ code: 'ssrf-blocked' });
    },
  );

  it('re-checks each hop: an allowed first hop does not bless a loopback hostname later', async () => {
    const c = makeClient(redis, prefix, { allowHosts: ['127.0.0.1'] });
    // localhost may resolve to ::1 as well, which is not on the allow list.
    const r = await c.fetch(`${srv.origin}/to?u=${encodeURIComponent(`http://[::1]:${srv.port}/secret`)}`);
    expect(code(r)).toBe('ssrf-blocked');
    expect(srv.hits.some((h) => h.path === '/secret')).toBe(false);
  });
});

describe('URL hygiene', () => {
  it.each([
    ['ftp://example.com/feed', 'invalid-url'],
    ['file:///etc/passwd', 'invalid-url'],
    ['javascript:alert(1)', 'invalid-url'],
    ['not a url', 'invalid-url'],
    ['http://user:pw@example.com/', 'invalid-url'],
  ])('%s → %s', async (url, expected) => {
    expect(code(await guarded.fetch(url))).toBe(expected);
  });

  it('refuses privileged non-web ports on hosts that are not allow-listed', async () => {
    // 93.184.215.14 is public; port 25 must be refused before any connection attempt.
    const r = await guarded.fetch('http://93.184.215.14:25/');
    expect(r.kind === 'error' && r.error).toMatchObject({ code: 'ssrf-blocked' });
    expect(r.kind === 'error' && r.error.message).toContain('port 25');
  });
});
