import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { KEYS, startStack, type Stack } from './harness';

let s: Stack;
beforeAll(async () => {
  s = await startStack('live');
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
