import { QUEUES, jobIds, takedownJob } from '@newsline/domain';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { enforceTakedown, type EnforceDeps } from './enforce';

/** Retries with short backoff: an interrupted enforcement resumes from its recorded step within seconds. */
export const TAKEDOWN_JOB_OPTS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 250 },
  // Completed jobs go at once so the same id can be enqueued again (re-verification, re-drive).
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
} as const;

export function createTakedownQueue(connection: ConnectionOptions, prefix?: string) {
  const queue = new Queue(QUEUES.takedown, { connection, prefix, defaultJobOptions: TAKEDOWN_JOB_OPTS });
  return {
    queue,
    /** Idempotent while a job for the request is waiting or running; a failed one is retried. */
    async enqueue(requestId: string): Promise<void> {
      const jobId = jobIds.takedown(requestId);
      const existing = await queue.getJob(jobId);
      if (existing && (await existing.isFailed())) {
        await existing.retry();
        return;
      }
      await queue.add('enforce', takedownJob.parse({ requestId }), { jobId });
    },
    close: () => queue.close(),
  };
}

export function startTakedownWorker(
  deps: EnforceDeps,
  connection: ConnectionOptions,
  opts: { prefix?: string; concurrency?: number } = {},
) {
  const worker = new Worker(
    QUEUES.takedown,
    async (job: Job) => enforceTakedown(deps, takedownJob.parse(job.data).requestId),
    // A killed worker's job is taken over after the lock lapses; keep that window short.
    { connection, prefix: opts.prefix, concurrency: opts.concurrency ?? 4, lockDuration: 10_000, stalledInterval: 5_000 },
  );
  worker.on('failed', (job, err) =>
    deps.log.warn({ queue: QUEUES.takedown, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'takedown job failed'),
  );
  worker.on('error', (err) => deps.log.warn({ queue: QUEUES.takedown, err: err.message }, 'takedown worker error'));
  return worker;
}
