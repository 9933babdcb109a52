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
): Promise<{ pub: DemoPublisher; prefix: string; tick(): Promise<void>; stop(): Promise<void> }> {
  const prefix = `optest-${randomBytes(4).toString('hex')}`;
  const pub = await startDemoPublisher({ port: 0 });
  await s.store.ensureIndexes();
  await registerSources(s.store, demoSourceSpecs(pub.url));
  const config = { ...s.config, HTTP_ALLOW_HOSTS: ['127.0.0.1'], FEED_MIN_INTERVAL_SEC: 60 };
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
