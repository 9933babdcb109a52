import { bootApp } from '@newsline/lifecycle';
import { createIngestContext, memoizeNotBlocked } from './context';
import { createQueues, startWorkers } from './queues';
import { startScheduler } from './scheduler';
import { startRepairLoop } from './ingest/repair';
import { startRetentionLoop } from './retention';
import { createWorkerMetrics } from './metrics';
import { readSourcesFile, registerSources } from './sources';
import { demoSourceSpecs } from './demo';
import { takedownModel } from '@newsline/store';
import { createMailQueue, enforcedNotices, mailTransport, queueNotice, startMailWorker, TombstoneGate } from '@newsline/takedowns';
import { gatedEnqueueExtract } from './takedown/gate';
import { createTakedownQueue, startTakedownWorker } from './takedown/queue';
import { startTakedownSweeper } from './takedown/sweeper';
import { createWebSubCallback } from './websub/callback';
import { startWebSubRenewal } from './websub/subscribe';

/** Extract jobs waiting per extraction slot beyond which the scheduler polls feeds at the slow rate. */
const EXTRACT_BACKLOG_PER_SLOT = 25;

// BullMQ workers: the feed scheduler, feed fetching, article extraction and takedown enforcement.
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
    await takedownModel(store.conn).createIndexes();
    // Tombstones gate ingestion before fetching, before storing and again right after the upsert.
    const gate = await new TombstoneGate(store, redis).start();
    const enqueueExtract = gatedEnqueueExtract({ store, redis, gate, enqueue: queues.enqueueExtract });
    // Fresh answers (scopes reloaded when the version moved), so one can be reused under that version.
    const isBlocked = memoizeNotBlocked(redis, (url) => gate.isBlocked(url, { fresh: true }));
    const ctx = createIngestContext({ config, log, store, redis, enqueueExtract, isBlocked });
    const workers = startWorkers(ctx, connection);
    const takedowns = createTakedownQueue(connection);
    // Notices to requesters and contacts: queued by compliance and here, sent over SMTP by this worker.
    const mailQueue = createMailQueue(connection);
    const mailWorker = startMailWorker({ conn: store.conn, transport: mailTransport(config), from: config.MAIL_FROM, log }, connection);
    const notify = async (id: string) => {
      const links = { secret: config.TAKEDOWN_LINK_SECRET, publicUrl: config.TAKEDOWN_PUBLIC_URL };
      for (const n of await enforcedNotices(store, id, links)) await queueNotice(store.conn, mailQueue, n);
    };
    const takedownWorker = startTakedownWorker({ store, redis, log, notify }, connection, { concurrency: config.TAKEDOWN_CONCURRENCY });
    const sweeper = startTakedownSweeper({
      store,
      log,
      everyMs: config.TAKEDOWN_SWEEP_MS,
      reverifyMs: config.TAKEDOWN_REVERIFY_MINUTES * 60_000,
      enqueue: (id) => takedowns.enqueue(id),
    });
    const scheduler = startScheduler({
      store,
      log,
      tickMs: config.SCHEDULER_TICK_MS,
      shared: { redis, key: 'newsline:scheduler:tick' },
      enqueue: (id, due) => queues.enqueueFetch(id, due),
      // A backlog of a few hundred extractions per process is minutes of work: poll slower meanwhile.
      backpressure: {
        backlog: async () => {
          const c = await queues.extract.getJobCounts('waiting', 'prioritized');
          return (c.waiting ?? 0) + (c.prioritized ?? 0);
        },
        backlogMax: config.EXTRACT_CONCURRENCY * EXTRACT_BACKLOG_PER_SLOT,
        slowPollMs: config.FEED_MAX_INTERVAL_SEC * 1000,
      },
    });
    // WebSub: the hubs' callback on this HTTP server, and lease renewal (off without WEBSUB_CALLBACK_URL).
    const websub = createWebSubCallback(ctx);
    const renewal = startWebSubRenewal(ctx, { everyMs: config.WEBSUB_RENEW_CHECK_MS });
    const metrics = createWorkerMetrics([queues.fetch, queues.extract], workers.workers);
    // Re-drives extractions whose job was lost with Redis's data (at start, after a data loss, every 10 min).
    const repair = startRepairLoop({ store, queue: queues.extract, redis, afterSec: config.EXTRACT_REPAIR_AFTER_SEC, log });
    const retention = startRetentionLoop({
      store,
      redis,
      policy: { bodyDays: config.RETENTION_BODY_DAYS, deleteDays: config.RETENTION_DELETE_DAYS },
      intervalMs: config.RETENTION_INTERVAL_SEC * 1000,
      log,
    });
    return {
      checks: {
        workers: async () => workers.workers.every((w) => w.isRunning()) && takedownWorker.isRunning() && mailWorker.isRunning(),
      },
      handler: async (req, res) => {
        if (websub.handle(req, res)) return;
        if ((req.url ?? '').split('?')[0] !== '/metrics') return void res.writeHead(404).end();
        // Queue depth, latency, retries and dead-lettered jobs, plus the takedown SLA gauges and WebSub counters.
        const c = websub.counters;
        const websubText = [
          '# HELP newsline_websub_pushes_total WebSub pushes with a valid signature (this process)',
          '# TYPE newsline_websub_pushes_total counter',
          `newsline_websub_pushes_total ${c.pushes}`,
          '# HELP newsline_websub_rejected_pushes_total WebSub pushes dropped for a missing or wrong signature (this process)',
          '# TYPE newsline_websub_rejected_pushes_total counter',
          `newsline_websub_rejected_pushes_total ${c.rejected}`,
          '# HELP newsline_websub_verifications_total Subscriptions confirmed to a hub (this process)',
          '# TYPE newsline_websub_verifications_total counter',
          `newsline_websub_verifications_total ${c.verified}`,
        ].join('\n');
        const text = `${await metrics.registry.metrics()}\n${sweeper.metrics()}\n${websubText}\n`;
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      },
      stop: async () => {
        repair.stop();
        retention.stop();
        renewal.stop();
        await scheduler.stop();
        await sweeper.stop();
        await takedownWorker.close();
        await mailWorker.close();
        await mailQueue.close();
        await takedowns.close();
        gate.stop();
        await workers.close();
        await queues.close();
        await ctx.http.close();
        connection.disconnect();
      },
    };
  },
});
