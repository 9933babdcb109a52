import { bootApp } from '@newsline/lifecycle';
import { createIngestContext } from './context';
import { createQueues, startWorkers } from './queues';
import { startScheduler } from './scheduler';
import { readSourcesFile, registerSources } from './sources';
import { demoSourceSpecs } from './demo';

// BullMQ workers: the feed scheduler, feed fetching and article extraction.
void bootApp({
  name: 'workers',
  port: (c) => c.WORKERS_PORT,
  setup: async ({ config, log, store, redis }) => {
    await store.ensureIndexes();
    if (config.SOURCES_FILE) log.info(await registerSources(store, readSourcesFile(config.SOURCES_FILE)), 'sources registered from file');
    else if (config.DEMO_SOURCES && (await store.Source.estimatedDocumentCount()) === 0) {
      log.info(await registerSources(store, demoSourceSpecs(config.DEMO_PUBLISHER_URL)), 'demo sources registered');
    }
    const connection = redis.duplicate();
    const queues = createQueues(connection, config.EXTRACT_MAX_ATTEMPTS);
    const ctx = createIngestContext({ config, log, store, redis, enqueueExtract: queues.enqueueExtract });
    const workers = startWorkers(ctx, connection);
    const scheduler = startScheduler({ store, log, tickMs: config.SCHEDULER_TICK_MS, enqueue: (id, due) => queues.enqueueFetch(id, due) });
    return {
      checks: { workers: async () => workers.workers.every((w) => w.isRunning()) },
      stop: async () => {
        await scheduler.stop();
        await workers.close();
        await queues.close();
        await ctx.http.close();
        connection.disconnect();
      },
    };
  },
});
