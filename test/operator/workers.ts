import { randomBytes } from 'node:crypto';
import { createLogger } from '@newsline/logger';
import { startDemoPublisher, type DemoPublisher } from '@newsline/publisher-sim';
import { createIngestContext } from '../../apps/workers/src/context';
import { demoSourceSpecs } from '../../apps/workers/src/demo';
import { createQueues, startWorkers } from '../../apps/workers/src/queues';
import { startScheduler } from '../../apps/workers/src/scheduler';
import { registerSources } from '../../apps/workers/src/sources';
import { startTakedownWorker } from '../../apps/workers/src/takedown/queue';
import type { Stack } from '../api/harness';

/**
 * The real ingestion path for operator tests: demo publisher, its sources registered, BullMQ
 * fetch/extract workers on a queue prefix of this test's own (the suite shares one Redis), and
 * a scheduler that only runs when the test calls tick().
 */
export async function startIngestion(
  s: Stack,
): Promise<{ pub: DemoPublisher; prefix: string; tick(): Promise<void>; poll(feedUrl: string): Promise<void>; stop(): Promise<void> }> {
  const prefix = `optest-${randomBytes(4).toString('hex')}`;
  const pub = await startDemoPublisher({ port: 0 });
  await s.store.ensureIndexes();
  await registerSources(s.store, demoSourceSpecs(pub.url));
  // The demo publisher serves all its sources (~50 pages) from one host:port. At the production
  // politeness of 1 request/s per host, on a loaded machine, a feed poll queued behind the other
  // sources' pages found no free slot within 30 s (the dashboard test's CI failure).
  const config = { ...s.config, HTTP_ALLOW_HOSTS: ['127.0.0.1'], FEED_MIN_INTERVAL_SEC: 60, HTTP_HOST_RATE_PER_SEC: 25, HTTP_HOST_CONCURRENCY: 4 };
  const log = createLogger('workers-test', { level: 'silent' });
  const connection = s.redis.duplicate();
  const queues = createQueues(connection, 2, prefix);
  const ctx = createIngestContext({ config, log, store: s.store, redis: s.redis, enqueueExtract: queues.enqueueExtract });
  const workers = startWorkers(ctx, connection, prefix);
  // The compliance subgraph of the harness enqueues enforcement on the default prefix.
  const takedowns = startTakedownWorker({ store: s.store, redis: s.redis, log }, connection);
  const scheduler = startScheduler({ store: s.store, log, tickMs: 3_600_000, enqueue: (id, due) => queues.enqueueFetch(id, due) });
  return {
    pub,
    prefix,
    tick: scheduler.tick,
    /** Fetches one feed now, due or not (after `pub.publish`, to ingest the new entry at a known moment). */
    async poll(feedUrl) {
      const feed = await s.store.Feed.findOne({ url: feedUrl }, { _id: 1 }).lean();
      if (!feed) throw new Error(`no feed registered at ${feedUrl}`);
      await queues.enqueueFetch(String(feed._id), Date.now(), 'manual');
    },
    async stop() {
      await scheduler.stop();
      await workers.close();
      await takedowns.close();
      await queues.close();
      await ctx.http.close();
      connection.disconnect();
      await pub.close();
    },
  };
}
