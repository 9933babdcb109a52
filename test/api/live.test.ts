import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { KEYS, startStack, type Stack } from './harness';

let s: Stack;
beforeAll(async () => {
  // No anonymous role: a subscription without credentials must be refused.
  s = await startStack('live', { ANONYMOUS_ROLE: 'none' });
}, 60_000);
afterAll(() => s?.stop());

const event = (i: number, language: string) => ({
  type: 'article.added' as const,
  articleId: `64b000000000000000000${String(i).padStart(3, '0')}`,
  url: `https://x.example/${i}`,
  sourceUrl: `https://x.example/${i}`,
  sourceId: '64b0000000000000000000aa',
  title: `Live ${i}`,
  language,
  publishedAt: new Date().toISOString(),
  at: new Date().toISOString(),
});

it('delivers Redis events through the gateway over graphql-ws, filtered on the server', async () => {
  const client = createClient({
    url: s.gatewayUrl.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-key': KEYS.reader },
    retryAttempts: 0,
  });
  const got: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    client.subscribe<{ headlineAdded: { title: string; language: string } }>(
      { query: `subscription { headlineAdded(filter: { languages: ["ja"] }) { title language } }` },
      {
        next: (r) => {
          if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
          got.push(r.data!.headlineAdded.title);
          if (got.length === 2) resolve();
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => undefined,
      },
    );
  });
  // Publish until the subscription (gateway → subgraph → Redis SUBSCRIBE) is established end to end.
  let i = 0;
  const timer = setInterval(() => {
    const n = i++;
    void s.redis.publish(EVENTS_CHANNEL, encodeEvent(event(n, n % 2 ? 'en' : 'ja')));
  }, 100);
  try {
    await done;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${s.gatewayOutput().slice(-3000)}`);
  } finally {
    clearInterval(timer);
    await client.dispose();
  }
  expect(got.every((t) => /^Live \d+$/.test(t))).toBe(true);
  // Only the ja events (even i) came through the filter.
  expect(got.map((t) => Number(t.split(' ')[1]) % 2)).toEqual([0, 0]);
}, 30_000);

/** One graphql-ws client with one subscription; `got` fills with titles, `failure` settles on an error. */
function subscriber(params: Record<string, string>, query: string) {
  const client = createClient({ url: s.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0 });
  const got: string[] = [];
  const waiters: (() => void)[] = [];
  let fail!: (e: unknown) => void;
  const failure = new Promise<unknown>((r) => (fail = r));
  client.subscribe<{ headlineAdded: { title: string } }>(
    { query },
    {
      next: (r) => {
        if (r.errors) return fail(r.errors);
        got.push(r.data!.headlineAdded.title);
        waiters.splice(0).forEach((w) => w());
      },
      error: fail,
      complete: () => undefined,
    },
  );
  /** Resolves once a title after `n` received ones arrived. */
  const moreThan = (n: number) => (got.length > n ? Promise.resolve() : new Promise<void>((r) => waiters.push(() => got.length > n && r())));
  return { client, got, failure, moreThan };
}

/** Resolves when the articles subgraph holds exactly `n` live subscriptions. */
function hubSize(n: number): Promise<void> {
  const hub = s.articles.hub;
  if (hub.size === n) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (size: number) => size === n && (hub.events.off('size', on), resolve());
    hub.events.on('size', on);
  });
}

/** Publishes an event every 100 ms until `until` settles. */
async function publishing<T>(until: Promise<T>): Promise<T> {
  let i = 1000;
  const timer = setInterval(() => void s.redis.publish(EVENTS_CHANNEL, encodeEvent(event(i++, 'en'))), 100);
  try {
    return await until;
  } finally {
    clearInterval(timer);
  }
}

it('shares one upstream subscription per principal, never across principals, and refuses the unauthenticated', async () => {
  const q = 'subscription { headlineAdded { title } }';
  // The previous test's subscription is gone from the subgraph before counting.
  await hubSize(0);
  const r1 = subscriber({ 'x-api-key': KEYS.reader }, q);
  const r2 = subscriber({ 'x-api-key': KEYS.reader }, q);
  const adm = subscriber({ 'x-api-key': KEYS.admin }, q);
  try {
    await publishing(Promise.all([r1.moreThan(0), r2.moreThan(0), adm.moreThan(0)]));
    // Two principals, two upstream subscriptions: the two reader clients share one.
    expect(s.articles.hub.size).toBe(2);

    // The first reader leaves: the shared stream stays open for the second.
    await r1.client.dispose();
    const seen = r2.got.length;
    await publishing(r2.moreThan(seen));
    expect(s.articles.hub.size).toBe(2);

    // No credentials (ANONYMOUS_ROLE=none): refused by the subgraph, never attached to a reader's stream.
    // (The gateway masks the subgraph's UNAUTHENTICATED on subscriptions; its log shows the code.)
    const anon = subscriber({}, q);
    const err = await publishing(anon.failure);
    expect(JSON.stringify(err)).toMatch(/"errors"|"message"/);
    expect(anon.got).toEqual([]);
    expect(s.gatewayOutput()).toMatch(/UNAUTHENTICATED/);
    await anon.client.dispose();

    // The last client of a principal leaving closes its upstream subscription.
    await r2.client.dispose();
    await hubSize(1);
    await adm.client.dispose();
    await hubSize(0);
  } catch (err) {
    throw new Error(`${String(err instanceof Error ? err.message : JSON.stringify(err))}\n${s.gatewayOutput().slice(-3000)}`);
  } finally {
    await Promise.all([r1, r2, adm].map((c) => c.client.dispose()));
  }
}, 30_000);
