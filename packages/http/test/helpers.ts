import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { testServices } from '@newsline/embedded-stack';
import { createPoliteClient, type PoliteClient, type PoliteClientOptions } from '../src';

export interface Hit {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** performance.now() when the request line arrived at the server. */
  at: number;
}

export interface TestServer {
  origin: string;
  port: number;
  hits: Hit[];
  /** Hits excluding /robots.txt. */
  pageHits(): Hit[];
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, server: TestServer) => void | Promise<void>;

/** A publisher on 127.0.0.1:0. Unknown /robots.txt answers 404 (allow all) unless the handler serves it. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const state: TestServer = {
    origin: '',
    port: 0,
    hits: [],
    pageHits: () => state.hits.filter((h) => h.path !== '/robots.txt'),
    inFlight: 0,
    maxInFlight: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    state.hits.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, at: performance.now() });
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    Promise.resolve(handler(req, res, state)).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

export function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

/** One Redis connection and key prefix per test file; `cleanup` deletes every key under the prefix. */
export function testRedis(): { redis: Redis; prefix: string; cleanup: () => Promise<void> } {
  const { redisUrl } = testServices('http');
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  return {
    redis,
    prefix,
    cleanup: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

export const UA = 'NewslineBot/1.0 (+https://newsline.example/bot)';

const clients: PoliteClient[] = [];

/** A client allow-listing 127.0.0.1, fast limits by default so unrelated tests do not wait. */
export function makeClient(redis: Redis, prefix: string, over: Partial<PoliteClientOptions> = {}): PoliteClient {
  const c = createPoliteClient({
    redis,
    keyPrefix: prefix,
    userAgent: UA,
    robotsToken: 'NewslineBot',
    allowHosts: ['127.0.0.1'],
    hostRatePerSec: 1000,
    hostConcurrency: 8,
    connectTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    maxWaitMs: 5000,
    ...over,
  });
  clients.push(c);
  return c;
}

export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
}
