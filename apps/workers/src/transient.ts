import { DelayedError, type Job } from 'bullmq';

// Driver and client errors that mean "the database or Redis is unreachable right now", not
// "this job is bad": a restart, a failover, a pool cleared after a dropped connection.
const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MaxRetriesPerRequestError',
]);

const FERRETDB_SHUTDOWN = /\bcontext canceled\b|transaction has already been committed or rolled back/;

/** Whether `err` (or an error it wraps) is an outage of the database or Redis rather than a fault of the job. */
export function isTransientInfraError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (TRANSIENT_NAMES.has(e.name)) return true;
    // Mongoose queues operations while disconnected and fails them with a plain MongooseError.
    if (e.name === 'MongooseError' && /buffering timed out/.test(e.message)) return true;
    if (e.message === 'Connection is closed.') return true; // ioredis, while reconnecting
    // FerretDB shutting down answers the operations in flight with these server errors.
    if (e.name === 'MongoServerError' && FERRETDB_SHUTDOWN.test(e.message)) return true;
  }
  return false;
}

/** How often a job may be put back for an outage before it fails like any other error (minutes of outage). */
export const OUTAGE_MAX_STARTS = 60;

/** Delay before a job interrupted by an outage runs again: 1 s doubling to 10 s, jittered so a fleet does not return at once. */
export function outageDelayMs(attemptsStarted: number): number {
  const base = Math.min(10_000, 1000 * 2 ** Math.max(0, attemptsStarted - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Runs a job's processor; if it fails because the database or Redis is down, the job goes back
 * to the delayed set without spending one of its attempts (BullMQ counts DelayedError as no
 * error). A poll or extraction interrupted by a restart of FerretDB therefore runs again
 * once it is back, instead of failing for good after a few seconds of retries. Bounded by
 * OUTAGE_MAX_STARTS; jobs are idempotent, so re-running a half-done one is safe.
 */
export async function outageTolerant<T>(
  job: Job,
  token: string | undefined,
  run: () => Promise<T>,
  onDelay?: (err: Error, delayMs: number) => void,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!token || !isTransientInfraError(err) || job.attemptsStarted >= OUTAGE_MAX_STARTS) throw err;
    const delayMs = outageDelayMs(job.attemptsStarted);
    try {
      await job.moveToDelayed(Date.now() + delayMs, token);
    } catch {
      throw err; // Redis is down too: the ordinary failure (or stall) path takes over.
    }
    onDelay?.(err as Error, delayMs);
    throw new DelayedError();
  }
}

/** A job's processor did not settle within its deadline. */
export class JobDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`job did not finish within ${deadlineMs} ms`);
    this.name = 'JobDeadlineError';
  }
}

/**
 * Fails `run` with JobDeadlineError once it has taken `deadlineMs`. BullMQ renews a job's lock
 * for as long as its processor is pending, so a processor awaiting something that never
 * settles would hold the job and its concurrency slot forever (stalled-job recovery never
 * sees it). The abandoned promise may still finish later: jobs are idempotent.
 */
export async function withDeadline<T>(deadlineMs: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new JobDeadlineError(deadlineMs)), deadlineMs);
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
