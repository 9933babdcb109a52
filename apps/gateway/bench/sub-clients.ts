import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The subscriber side of the subscriptions benchmark, in its own process (started by
 * subscriptions.ts over IPC): N graphql-ws subscribers, one socket and one headlineAdded
 * subscription each. Titles are `warm <k>` (warm-up) or `bench <seq> <publish epoch ms>`.
 * `lean` (the default) speaks the graphql-transport-ws protocol on a bare `ws` socket: at 10k
 * sockets the graphql-ws client's per-message work made this process, not the gateway, the
 * slower side on 2 cores; `--client graphql-ws` uses the real client for comparison.
 */
type Cmd = { cmd: 'start'; url: string; n: number; batch: number; lean?: boolean } | { cmd: 'report' } | { cmd: 'stop' };

const sockets: WebSocket[] = [];
const QUERY = 'subscription { headlineAdded { title } }';
let stopping = false;
const clients: Client[] = [];
const warm = new Set<number>();
const latencies: number[] = [];
let delivered = 0;
let errors = 0;
let firstError: string | undefined;
const now = () => performance.timeOrigin + performance.now();
const send = (m: object) => process.send!(m);

/** Errors arrive as Error, GraphQL error arrays, or a socket's CloseEvent / ErrorEvent (which JSON.stringify as {}). */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  const ev = e as { code?: number; reason?: string; message?: string; error?: unknown; type?: string };
  if (typeof ev?.code === 'number') return `socket closed ${ev.code} ${ev.reason ?? ''}`.trim();
  if (ev?.type === 'error') return `socket error ${ev.message ?? (ev.error instanceof Error ? ev.error.message : '')}`.trim();
  return JSON.stringify(e);
}

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
          firstError ??= describe(e);
          resolve();
        },
        complete: () => undefined,
      },
    );
  });
}

function onTitle(title: string, i: number): void {
  if (title.startsWith('bench ')) {
    latencies.push(now() - Number(title.split(' ')[2]));
    delivered++;
  } else if (title.startsWith('warm ')) warm.add(i);
}

function fail(e: unknown): void {
  errors++;
  firstError ??= describe(e);
}

/** graphql-transport-ws by hand: connection_init → connection_ack → subscribe → next… */
function subscribeLean(url: string, i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true });
    sockets.push(ws);
    // One subscription per socket: at most one failure counted per socket.
    let failed = false;
    const failOnce = (e: unknown) => {
      if (!failed && !stopping) {
        failed = true;
        fail(e);
      }
    };
    const end = (e?: unknown) => {
      if (e !== undefined) failOnce(e);
      resolve();
    };
    ws.on('open', () => ws.send('{"type":"connection_init","payload":{}}'));
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string; payload?: { data?: { headlineAdded?: { title: string } } } };
      if (msg.type === 'next') {
        const title = msg.payload?.data?.headlineAdded?.title;
        if (title === undefined) failOnce(msg.payload);
        else onTitle(title, i);
      } else if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
        end();
      } else if (msg.type === 'ping') ws.send('{"type":"pong"}');
      else if (msg.type === 'error') failOnce(msg.payload);
      else if (msg.type === 'complete') failOnce(new Error('subscription completed by the server'));
    });
    ws.on('error', (e) => end(e));
    ws.on('close', (code, reason) => end({ code, reason: reason.toString() }));
  });
}

process.on('message', (m: Cmd) => {
  if (m.cmd === 'start') {
    void (async () => {
      for (let i = 0; i < m.n; i += m.batch) {
        const sub = m.lean === false ? subscribe : subscribeLean;
        await Promise.all(Array.from({ length: Math.min(m.batch, m.n - i) }, (_, k) => sub(m.url, i + k)));
      }
      send({ type: 'subscribed', n: clients.length + sockets.length, errors, firstError });
      setInterval(() => send({ type: 'progress', warm: warm.size, delivered, errors }), 200).unref();
    })();
  } else if (m.cmd === 'report') {
    send({ type: 'report', latencies, delivered, errors, firstError });
  } else if (m.cmd === 'stop') {
    stopping = true;
    for (const ws of sockets) ws.close(1000);
    void Promise.all(clients.map((c) => c.dispose())).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'hello' });
