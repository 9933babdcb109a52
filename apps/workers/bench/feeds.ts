import { parseArgs } from 'node:util';
import { loadConfig } from '@newsline/config';
import { ensureStack } from '@newsline/embedded-stack';
import { createLogger } from '@newsline/logger';
import { startPublisherFarm } from '@newsline/publisher-sim';
import { createStore } from '@newsline/store';
import { Queue, QueueEvents } from 'bullmq';
import Redis from 'ioredis';
import { createIngestContext } from '../src/context';
import { createQueues, startWorkers } from '../src/queues';
import { registerSources } from '../src/sources';

/**
 * `npm run bench -- feeds [--hosts 500] [--feeds-per-host 2] [--entries 3] [--rate 2] [--concurrency 16] [--json]`
 * Polls every feed of a local publisher farm (one loopback address per host) through the real
 * fetch workers and polite client, and checks per-host politeness from the server's side: the
 * baseline is the configured per-host limit, which the measured maximum must never exceed.
 */
export async function runFeedsBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '500' },
      'feeds-per-host': { type: 'string', default: '2' },
      rate: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '16' },
      entries: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const hosts = Number(values.hosts);
  const perHost = Number(values['feeds-per-host']);
  const rate = Number(values.rate);
  const say = (s: string) => !values.json && process.stdout.write(`${s}\n`);

  const stack = await ensureStack({ log: values.json ? () => {} : undefined });
  const db = `bench_feeds_${Date.now()}`;
  const mongoUrl = Object.assign(new URL(stack.mongoUrl), { pathname: `/${db}` }).toString();
  const prefix = `bench:${db}`;
  const config = loadConfig({
    MONGO_URL: mongoUrl,
    REDIS_URL: stack.redisUrl,
    HTTP_ALLOW_HOSTS: '127.0.0.0/8',
    HTTP_HOST_RATE_PER_SEC: String(rate),
    HTTP_HOST_CONCURRENCY: '2',
    FETCH_CONCURRENCY: values.concurrency,
    LOG_LEVEL: 'silent',
  });
  const farm = await startPublisherFarm({ hosts, feedsPerHost: perHost, entriesPerFeed: Number(values.entries) });
  const store = await createStore(config.MONGO_URL);
  await store.ensureIndexes();
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    await registerSources(
      store,
      farm.hosts.map((h) => ({
        key: `host-${h.index}`,
        name: `Host ${h.index}`,
        homepage: h.url,
        languages: ['en'],
        attribution: `Host ${h.index}`,
        verifiedContacts: [],
        feeds: h.feedUrls,
      })),
    );
    const feeds = await store.Feed.find({}, { _id: 1 }).lean();
    say(`farm: ${hosts} hosts, ${feeds.length} feeds; per-host limit ${rate}/s; fetch concurrency ${config.FETCH_CONCURRENCY}`);
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const queues = createQueues(connection, 1, prefix);
    const log = createLogger('bench', { level: 'silent' });
    // Extraction is not part of this benchmark: entries are stored, extract jobs are dropped.
    const ctx = createIngestContext({
      config,
      log,
      store,
      redis,
      enqueueExtract: async () => {},
      httpOverrides: { keyPrefix: `${prefix}:http:`, maxWaitMs: 120_000 },
    });
    const events = new QueueEvents(queues.fetch.name, { connection: connection.duplicate(), prefix });
    await events.waitUntilReady();
    let done = 0;
    const finished = new Promise<void>((resolve) => {
      const count = () => ++done >= feeds.length && resolve();
      events.on('completed', count);
      events.on('failed', count);
    });
    const t0 = performance.now();
    const workers = startWorkers(ctx, connection, prefix);
    await queues.fetch.addBulk(
      feeds.map((f) => ({ name: 'fetch', data: { feedId: String(f._id), reason: 'manual' as const }, opts: { jobId: `bench-${f._id}` } })),
    );
    await finished;
    const seconds = (performance.now() - t0) / 1000;
    const ok = await store.Feed.countDocuments({ lastStatus: 200 });
    const articles = await store.Article.estimatedDocumentCount();
    const stats = farm.stats();
    await workers.close();
    await events.close();
    await queues.close();
    await ctx.http.close();
    await new Queue(queues.fetch.name, { connection, prefix }).obliterate({ force: true }).catch(() => {});
    connection.disconnect();
    const result = {
      feeds: feeds.length,
      feedsPerSec: Math.round((feeds.length / seconds) * 10) / 10,
      maxHostRate: stats.perHostMaxRatePerSec,
      hostRateLimit: rate,
      peakRssMiB: Math.round(peakRss / 1048576),
      fetchedOk: ok,
      articles,
      requests: stats.requests,
      seconds: Math.round(seconds * 10) / 10,
    };
    say(`polled ${result.feeds} feeds (${ok} OK, ${articles} entries stored) in ${result.seconds} s: ${result.feedsPerSec} feeds/s`);
    say(
      `server-side requests ${stats.requests}; max requests to one host in any 1 s window: ${stats.perHostMaxRatePerSec} (limit ${rate}/s)`,
    );
    say(`peak RSS ${result.peakRssMiB} MiB (this process: workers, client and the farm's ${hosts} listeners)`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return ok === feeds.length && result.maxHostRate <= rate ? 0 : 1;
  } finally {
    clearInterval(sampler);
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    await store.conn.dropDatabase();
    await store.close();
    await farm.close();
    await stack.stop();
  }
}
