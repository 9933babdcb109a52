import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The subscriber side of the subscriptions benchmark, in its own process (started by
 * subscriptions.ts over IPC): N graphql-ws clients, one socket and one headlineAdded
 * subscription each. Titles are `warm <k>` (warm-up) or `bench <seq> <publish epoch ms>`.
 */
type Cmd = { cmd: 'start'; url: string; n: number; batch: number } | { cmd: 'report' } | { cmd: 'stop' };

const clients: Client[] = [];
const warm = new Set<number>();
const latencies: number[] = [];
let delivered = 0;
let errors = 0;
let firstError: string | undefined;
const now = () => performance.timeOrigin + performance.now();
const send = (m: object) => process.send!(m);

function subscribe(url: string, i: number): Promise<void> {
  return new Promise((resolve) => {
    const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, on: { connected: () => resolve() } });
    clients.push(client);
    client.subscribe<{ headlineAdded: { title: string } }>(
      { query: 'subscription { headlineAdded { title } }' },
      {
        next: (r) => {
          const title = r.data?.headlineAdded.title ?? '';
          if (title.startsWith('bench ')) {
            latencies.push(now() - Number(title.split(' ')[2]));
            delivered++;
          } else if (title.startsWith('warm ')) warm.add(i);
        },
        error: (e) => {
          errors++;
          firstError ??= e instanceof Error ? e.message : JSON.stringify(e);
          resolve();
        },
        complete: () => undefined,
      },
    );
  });
}

process.on('message', (m: Cmd) => {
  if (m.cmd === 'start') {
    void (async () => {
      for (let i = 0; i < m.n; i += m.batch) {
        await Promise.all(Array.from({ length: Math.min(m.batch, m.n - i) }, (_, k) => subscribe(m.url, i + k)));
      }
      send({ type: 'subscribed', n: clients.length, errors, firstError });
      setInterval(() => send({ type: 'progress', warm: warm.size, delivered, errors }), 200).unref();
    })();
  } else if (m.cmd === 'report') {
    send({ type: 'report', latencies, delivered, errors, firstError });
  } else if (m.cmd === 'stop') {
    void Promise.all(clients.map((c) => c.dispose())).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'hello' });
