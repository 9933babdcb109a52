import { QUEUES, extractArticleJob, fetchFeedJob, jobIds, type ExtractArticleJob } from '@newsline/domain';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { IngestContext } from './ingest/context';
import { extractAndStore, RetryableExtractError } from './ingest/extract-article';
import { fetchFeed } from './ingest/fetch-feed';
import { outageTolerant, withDeadline } from './transient';

/** Completed jobs are trimmed; failed ones are kept (inspectable and re-drivable), never dropped. */
const KEEP = { removeOnComplete: { count: 1000 }, removeOnFail: false } as const;

export function createQueues(connection: ConnectionOptions, extractAttempts: number, prefix?: string) {
  // A job interrupted by a database or Redis outage is put back without spending an attempt
  // (transient.ts); other errors are retried within seconds, and a poll that still fails is
  // kept while the scheduler issues the feed's next poll.
  const fetch = new Queue(QUEUES.fetch, {
    connection,
    prefix,
    defaultJobOptions: { ...KEEP, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
  });
  const extract = new Queue(QUEUES.extract, {
    connection,
    prefix,
    defaultJobOptions: { ...KEEP, attempts: extractAttempts, backoff: { type: 'polite' } },
  });
  return {
    fetch,
    extract,
    async enqueueFetch(feedId: string, dueAt: number | string, reason: 'scheduled' | 'manual' = 'scheduled') {
      await fetch.add('fetch', fetchFeedJob.parse({ feedId, reason }), { jobId: jobIds.fetch(feedId, dueAt) });
    },
    async enqueueExtract(job: ExtractArticleJob) {
      await extract.add('extract', extractArticleJob.parse(job), { jobId: jobIds.extract(job.articleId) });
    },
    close: async () => {
      await Promise.all([fetch.close(), extract.close()]);
    },
  };
}

/**
 * Retry delay for extract jobs: when the host said how long to wait (Retry-After, a host
 * backoff shared in Redis) we wait just that, plus jitter; otherwise exponential from 2 s,
 * capped at 5 min so a recovered host is not left idle for long.
 */
export function extractBackoff(attemptsMade: number, _type?: string, err?: Error): number {
  const told = err instanceof RetryableExtractError ? err.retryAfterMs : undefined;
  const base = told !== undefined ? told : Math.min(300_000, 2000 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(base + Math.random() * Math.min(1000, base / 2));
}

export function startWorkers(ctx: IngestContext, connection: ConnectionOptions, prefix?: string) {
  const delayed = (queue: string, job: Job) => (err: Error, delayMs: number) =>
    ctx.log.info({ queue, jobId: job.id, started: job.attemptsStarted, delayMs, err: err.message }, 'job put back: database or Redis unavailable');
  const deadlineMs = ctx.config.JOB_DEADLINE_SEC * 1000;
  const fetchWorker = new Worker(
    QUEUES.fetch,
    async (job: Job, token?: string) => {
      const { feedId } = fetchFeedJob.parse(job.data);
      return outageTolerant(job, token, () => withDeadline(deadlineMs, () => fetchFeed(ctx, feedId)), delayed(QUEUES.fetch, job));
    },
    {
      connection,
      prefix,
      concurrency: ctx.config.FETCH_CONCURRENCY,
      lockDuration: ctx.config.JOB_LOCK_MS,
      stalledInterval: ctx.config.JOB_LOCK_MS,
    },
  );
  const extractWorker = new Worker(
    QUEUES.extract,
    async (job: Job, token?: string) => {
      const { articleId } = extractArticleJob.parse(job.data);
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return outageTolerant(job, token, () => withDeadline(deadlineMs, () => extractAndStore(ctx, articleId, final)), delayed(QUEUES.extract, job));
    },
    {
      connection,
      prefix,
      concurrency: ctx.config.EXTRACT_CONCURRENCY,
      lockDuration: ctx.config.JOB_LOCK_MS,
      stalledInterval: ctx.config.JOB_LOCK_MS,
      settings: { backoffStrategy: extractBackoff },
    },
  );
  for (const w of [fetchWorker, extractWorker]) {
    w.on('failed', (job, err) => {
      const level = err instanceof RetryableExtractError ? 'info' : 'warn';
      ctx.log[level]({ queue: w.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
    });
    w.on('error', (err) => ctx.log.warn({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    workers: [fetchWorker, extractWorker],
    /** Stops taking jobs and waits for the in-flight ones (BullMQ hands back what it cannot finish). */
    close: async () => {
      await Promise.all([fetchWorker.close(), extractWorker.close()]);
    },
  };
}
