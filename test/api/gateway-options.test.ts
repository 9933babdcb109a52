import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, startStack, type Stack } from './harness';

// One gateway with the non-default options: JS planner, persisted operations only, CORS allow-list,
// a low per-key rate limit; plus SSE subscriptions through it.
let s: Stack;
const run = randomBytes(4).toString('hex');
const KEY = { main: `opts-main-${run}`, limited: `opts-limited-${run}`, other: `opts-other-${run}` };
const LIMIT = 12;
const ORIGIN = 'https://dash.example';
const DOCS = {
  page: `{ headlines(first: 5) { edges { node { title source { name } } } } }`,
  live: `subscription { headlineAdded { title } }`,
};

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'persisted-'));
  const file = join(dir, 'ops.json');
  writeFileSync(file, JSON.stringify(DOCS));
  s = await startStack('gwopts', {
    API_KEYS: [...Object.values(KEYS).map((k) => `${k}:reader`), ...Object.values(KEY).map((k) => `${k}:reader`)].join(','),
    GATEWAY_PLANNER: 'default',
    GATEWAY_PERSISTED_QUERIES_FILE: file,
    GATEWAY_PERSISTED_ONLY: 'true',
    GATEWAY_CORS_ORIGINS: ORIGIN,
    GATEWAY_RATE_LIMIT_PER_MIN: String(LIMIT),
  });
  const src = await s.store.Source.create({ name: 'Options Daily', key: 'opts', homepage: 'https://o.example/', attribution: '© O' });
  await s.store.Article.create({
    urlKey: 'o.example/1',
    url: 'https://o.example/1',
    sourceUrl: 'https://o.example/1',
    attribution: '© O',
    sourceId: src._id,
    title: 'Options headline',
    language: 'en',
    publishedAt: new Date(),
  });
}, 60_000);
afterAll(() => s?.stop());

const post = (body: object, key: string, headers: Record<string, string> = {}) =>
  fetch(s.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body: JSON.stringify(body),
  });

type Page = {
  data?: { headlines: { edges: { node: { title: string; source: { name: string } } }[] } };
  errors?: { extensions?: { code?: string } }[];
};

describe('persisted operations only (GATEWAY_PERSISTED_ONLY) with GATEWAY_PLANNER=default', () => {
  it('runs a persisted operation by id, resolving the federated source name with the JS planner', async () => {
    const r = (await (await post({ documentId: 'page' }, KEY.main)).json()) as Page;
    expect(r.errors).toBeUndefined();
    expect(r.data!.headlines.edges).toEqual([{ node: { title: 'Options headline', source: { name: 'Options Daily' } } }]);
  });
  it('refuses an arbitrary document, even one identical to a persisted one', async () => {
    for (const body of [{ query: DOCS.page }, { query: '{ __typename }' }]) {
      const res = await post(body, KEY.main);
      const j = (await res.json()) as Page;
      expect(res.status).toBeLessThan(500);
      expect(j.data ?? null).toBeNull();
      expect(j.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
    }
  });
  it('refuses an unknown id', async () => {
    const j = (await (await post({ documentId: 'nope' }, KEY.main)).json()) as Page;
    expect(j.data ?? null).toBeNull();
    expect(j.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
  });
});

describe('CORS (GATEWAY_CORS_ORIGINS)', () => {
  const preflight = (origin: string) =>
    fetch(s.gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
    });
  it('allows a listed origin, with the headers clients send', async () => {
    const res = await preflight(ORIGIN);
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key');
    const actual = await post({ documentId: 'page' }, KEY.main, { origin: ORIGIN });
    expect(actual.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
  it('does not allow any other origin', async () => {
    const res = await preflight('https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).not.toBe('*');
    const actual = await post({ documentId: 'page' }, KEY.main, { origin: 'https://evil.example' });
    expect(actual.headers.get('access-control-allow-origin') ?? '').not.toMatch(/evil|\*/);
  });
});

describe('per-key rate limit', () => {
  it('answers 429 RATE_LIMITED with retry-after once a key is over its limit, other keys unaffected', async () => {
    // Fixed one-minute windows: within 2×LIMIT+1 requests at least LIMIT+1 fall in one window.
    let limited: Response | undefined;
    for (let i = 0; i < 2 * LIMIT + 1 && !limited; i++) {
      const res = await post({ documentId: 'page' }, KEY.limited);
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited).toBeDefined();
    expect(limited!.headers.get('retry-after')).toBe('60');
    const body = (await limited!.json()) as Page;
    expect(body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await post({ documentId: 'page' }, KEY.limited)).status).toBe(429);
    expect((await post({ documentId: 'page' }, KEY.other)).status).toBe(200);
    const metrics = await (await fetch(s.gatewayUrl.replace('/graphql', '/metrics'))).text();
    expect(Number(/newsline_gateway_rate_limited_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });
});

describe('SSE subscriptions through the gateway', () => {
  it('streams headlineAdded over text/event-stream (persisted subscription)', async () => {
    const res = await post({ documentId: 'live' }, KEY.main, { accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    let i = 0;
    const timer = setInterval(() => {
      const n = i++;
      const at = new Date().toISOString();
      void s.redis.publish(
        EVENTS_CHANNEL,
        encodeEvent({
          type: 'article.added',
          articleId: n.toString(16).padStart(24, '0'),
          url: `https://o.example/live/${n}`,
          sourceUrl: `https://o.example/live/${n}`,
          sourceId: 'a'.repeat(24),
          title: `SSE ${n}`,
          publishedAt: at,
          at,
        }),
      );
    }, 100);
    let text = '';
    try {
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      while (!/"title":"SSE \d+"/.test(text)) {
        const { done, value } = await reader.read();
        if (done) break;
        text += dec.decode(value, { stream: true });
      }
      await reader.cancel();
    } finally {
      clearInterval(timer);
    }
    expect(text).toMatch(/data: \{"data":\{"headlineAdded":\{"title":"SSE \d+"\}\}\}/);
  }, 20_000);
});
