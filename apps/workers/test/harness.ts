import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '@newsline/config';
import { testServices } from '@newsline/embedded-stack';
import { EVENTS_CHANNEL, decodeEvent, type ArticleEvent, type ExtractArticleJob } from '@newsline/domain';
import { createLogger } from '@newsline/logger';
import { createStore, type Store } from '@newsline/store';
import Redis from 'ioredis';
import { createIngestContext } from '../src/context';
import type { IngestContext } from '../src/ingest/context';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A local publisher: routes by path, records every request it sees. */
export async function publisher(
  routes: Record<string, Route>,
): Promise<{ url: string; server: Server; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const route = routes[(req.url ?? '').split('?')[0]!];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, hits, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

export interface Harness {
  config: Config;
  store: Store;
  redis: Redis;
  ctx: IngestContext;
  extractJobs: ExtractArticleJob[];
  events: ArticleEvent[];
  /** Resolves with the first event matching the predicate (already received or future). */
  nextEvent(pred: (e: ArticleEvent) => boolean): Promise<ArticleEvent>;
  /** Resolves once `n` events matching the predicate have arrived. */
  events$(pred: (e: ArticleEvent) => boolean, n: number): Promise<ArticleEvent[]>;
  prefix: string;
  close(): Promise<void>;
}

export async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const svc = testServices('workers');
  const config = loadConfig({
    MONGO_URL: svc.mongoUrl,
    REDIS_URL: svc.redisUrl,
    HTTP_ALLOW_HOSTS: '127.0.0.1',
    FEED_MIN_INTERVAL_SEC: '60',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const store = await createStore(config.MONGO_URL);
  await store.ensureIndexes();
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const sub = redis.duplicate();
  const events: ArticleEvent[] = [];
  const waiters: { pred: (e: ArticleEvent) => boolean; resolve: (e: ArticleEvent) => void }[] = [];
  const counters: { pred: (e: ArticleEvent) => boolean; n: number; resolve: (e: ArticleEvent[]) => void }[] = [];
  const checkCounters = () => {
    for (const c of counters.splice(0)) {
      const got = events.filter(c.pred);
      if (got.length >= c.n) c.resolve(got);
      else counters.push(c);
    }
  };
  await sub.subscribe(EVENTS_CHANNEL);
  sub.on('message', (_c, raw) => {
    const e = decodeEvent(raw);
    if (!e) return;
    events.push(e);
    for (const w of waiters.splice(0)) {
      if (w.pred(e)) w.resolve(e);
      else waiters.push(w);
    }
    checkCounters();
  });
  const extractJobs: ExtractArticleJob[] = [];
  const ctx = createIngestContext({
    config,
    log: createLogger('test', { level: process.env.TEST_LOG ?? 'silent' }),
    store,
    redis,
    enqueueExtract: async (j) => void extractJobs.push(j),
    httpOverrides: {
      keyPrefix: `test:${svc.dbName}:`,
      hostRatePerSec: 100,
      hostConcurrency: 4,
      totalTimeoutMs: 1500,
      connectTimeoutMs: 1000,
      maxBytes: 256 * 1024,
      maxWaitMs: 2000,
    },
  });
  return {
    config,
    store,
    redis,
    ctx,
    extractJobs,
    events,
    prefix: `test:${svc.dbName}:bull`,
    events$: (pred, n) =>
      new Promise((resolve) => {
        counters.push({ pred, n, resolve });
        checkCounters();
      }),
    nextEvent: (pred) => {
      const seen = events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    async close() {
      await ctx.http.close();
      sub.disconnect();
      // Test-prefixed keys, and the per-database ones (story bands, member-index page counters).
      const keys = [...(await redis.keys(`test:${svc.dbName}:*`)), ...(await redis.keys(`newsline:*:${svc.dbName}:*`))];
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await store.conn.dropDatabase();
      await store.close();
    },
  };
}

export async function addFeed(
  store: Store,
  url: string,
  source: Partial<{ key: string; attribution: string; respectRestrictions: boolean }> = {},
) {
  const src = await store.Source.create({
    key: source.key ?? `src-${Math.random().toString(36).slice(2)}`,
    name: 'Test Source',
    homepage: new URL(url).origin,
    country: 'GB',
    languages: ['en'],
    attribution: source.attribution ?? 'Test Source Ltd',
    policy: { respectRestrictions: source.respectRestrictions ?? true },
  });
  const feed = await store.Feed.create({ sourceId: src._id, url, intervalSec: 600 });
  return { source: src, feed, feedId: String(feed._id) };
}

export function rss(items: { title: string; link: string; guid?: string; date?: Date; description?: string }[], extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test feed</title><link>http://example.invalid/</link>${extra}${items
    .map(
      (i) =>
        `<item><title>${i.title}</title><link>${i.link}</link>${i.guid ? `<guid isPermaLink="false">${i.guid}</guid>` : ''}<pubDate>${(i.date ?? new Date()).toUTCString()}</pubDate><description>${i.description ?? 'Summary'}</description></item>`,
    )
    .join('')}</channel></rss>`;
}
