import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Check = () => Promise<boolean>;
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

async function runChecks(checks: Record<string, Check>, timeoutMs: number): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const timeout = new Promise<boolean>((r) => setTimeout(r, timeoutMs, false).unref());
      return [name, await Promise.race([check().catch(() => false), timeout])] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * /healthz: the process is up. /readyz: every dependency answers (503 otherwise, and while
 * shutting down, so a balancer stops sending work before connections close).
 */
export function healthRoutes(checks: Record<string, Check>, state: { shuttingDown: boolean }, timeoutMs = 2000) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return true;
    }
    if (path === '/readyz') {
      const results = await runChecks(checks, timeoutMs);
      const ready = !state.shuttingDown && Object.values(results).every(Boolean);
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : state.shuttingDown ? 'shutting-down' : 'not-ready', checks: results }));
      return true;
    }
    return false;
  };
}

export interface ServiceOptions {
  name: string;
  port: number;
  host?: string;
  checks: Record<string, Check>;
  /** Handles every request that is not a health route. */
  handler?: Handler;
  /** Stop taking work, finish or hand back in-flight work, close connections. */
  onShutdown: () => Promise<void>;
  shutdownTimeoutMs: number;
  log: { info: (o: object, m?: string) => void; error: (o: object, m?: string) => void };
  /** Exit the process after shutdown (apps: yes; tests: no). */
  exit?: boolean;
}

export interface Service {
  server: Server;
  port: number;
  state: { shuttingDown: boolean };
  shutdown(signal?: string): Promise<void>;
}

export async function startService(opts: ServiceOptions): Promise<Service> {
  const state = { shuttingDown: false };
  const health = healthRoutes(opts.checks, state);
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (await health(req, res)) return;
        if (opts.handler) return await opts.handler(req, res);
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      } catch (err) {
        opts.log.error({ err }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port }, `${opts.name} listening`);

  let done: Promise<void> | undefined;
  const shutdown = (signal = 'shutdown') =>
    (done ??= (async () => {
      state.shuttingDown = true;
      opts.log.info({ signal }, `${opts.name} shutting down`);
      const deadline = new Promise<'timeout'>((r) => setTimeout(r, opts.shutdownTimeoutMs, 'timeout').unref());
      const work = (async () => {
        await opts.onShutdown();
        server.closeIdleConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })();
      const outcome = await Promise.race([work.then(() => 'ok' as const), deadline]).catch((err: unknown) => {
        opts.log.error({ err }, 'shutdown failed');
        return 'error' as const;
      });
      if (outcome !== 'ok') {
        server.close();
        server.closeAllConnections();
      }
      opts.log.info({ outcome }, `${opts.name} stopped`);
      if (opts.exit !== false) process.exit(outcome === 'ok' ? 0 : 1);
    })());

  if (opts.exit !== false) {
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  }
  return { server, port, state, shutdown };
}
export { bootApp, type AppContext, type AppSpec } from './boot';
