import { QUEUES, extractArticleJob, fetchFeedJob, jobIds, type ExtractArticleJob } from '@newsline/domain';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { IngestContext } from './ingest/context';
import { extractAndStore, RetryableExtractError } from './ingest/extract-article';
import { fetchFeed } from './ingest/fetch-feed';

/** Completed jobs are trimmed; failed ones are kept (inspectable and re-drivable), never dropped. */
const KEEP = { removeOnComplete: { count: 1000 }, removeOnFail: false } as const;

export function createQueues(connection: ConnectionOptions, extractAttempts: number, prefix?: string) {
  const fetch = new Queue(QUEUES.fetch, { connection, prefix, defaultJobOptions: { ...KEEP, attempts: 1 } });
  const extract = new Queue(QUEUES.extract, {
    connection,
    prefix,
    defaultJobOptions: { ...KEEP, attempts: extractAttempts, backoff: { type: 'exponential', delay: 2000 } },
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

export function startWorkers(ctx: IngestContext, connection: ConnectionOptions, prefix?: string) {
  const fetchWorker = new Worker(
    QUEUES.fetch,
    async (job: Job) => {
      const { feedId } = fetchFeedJob.parse(job.data);
      return fetchFeed(ctx, feedId);
    },
    { connection, prefix, concurrency: ctx.config.FETCH_CONCURRENCY },
  );
  const extractWorker = new Worker(
    QUEUES.extract,
    async (job: Job) => {
      const { articleId } = extractArticleJob.parse(job.data);
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return extractAndStore(ctx, articleId, final);
    },
    { connection, prefix, concurrency: ctx.config.EXTRACT_CONCURRENCY },
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
