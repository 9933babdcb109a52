import { jobIds } from '@newsline/domain';
import type { Logger } from '@newsline/logger';
import type { Store } from '@newsline/store';
import type { Queue } from 'bullmq';

/**
 * Re-drives extraction for articles left pending longer than `afterSec` whose job is gone or
 * finished (e.g. lost with a Redis that died before persisting it). A job still waiting,
 * delayed or active is left alone; a finished one is removed and added again under its id.
 */
export async function repairPendingExtractions(opts: {
  store: Store;
  queue: Queue;
  afterSec: number;
  log: Logger;
  limit?: number;
}): Promise<number> {
  const cutoff = new Date(Date.now() - opts.afterSec * 1000);
  const stuck = await opts.store.Article.find({ 'extraction.status': 'pending', createdAt: { $lt: cutoff } }, { _id: 1, url: 1 })
    .limit(opts.limit ?? 200)
    .lean();
  let redriven = 0;
  for (const a of stuck) {
    const id = jobIds.extract(String(a._id));
    const job = await opts.queue.getJob(id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'waiting' || state === 'delayed' || state === 'active' || state === 'prioritized' || state === 'waiting-children')
      continue;
    if (job) await job.remove().catch(() => undefined);
    await opts.queue.add('extract', { articleId: String(a._id), url: a.url }, { jobId: id });
    redriven++;
  }
  if (redriven) opts.log.warn({ redriven, examined: stuck.length }, 'pending extractions re-driven');
  return redriven;
}

/** Present while Redis keeps its data: a worker that finds it missing knows jobs may have gone with it. */
export const REDIS_EPOCH_KEY = 'newsline:redis-epoch';

/**
 * When to run the repair: its query scans the articles collection on FerretDB v1 (seconds of
 * its CPU at tens of thousands of articles), and jobs are only lost with Redis's data. So: at
 * start, every `periodicMs` (10 min), and — checked every `checkMs` with one Redis SET NX of
 * REDIS_EPOCH_KEY — for `2 × afterSec` after Redis came back without its data, so every article
 * stranded then is re-driven once it is `afterSec` old.
 */
export function startRepairLoop(opts: {
  store: Store;
  queue: Queue;
  redis: { set(key: string, value: string, nx: 'NX'): Promise<unknown> };
  afterSec: number;
  log: Logger;
  checkMs?: number;
  periodicMs?: number;
}): { tick: () => Promise<void>; first: Promise<void>; stop: () => void; runs: () => number } {
  const checkMs = opts.checkMs ?? 15_000;
  const periodicMs = opts.periodicMs ?? 600_000;
  let lastRun = -Infinity;
  let until = 0;
  let running = false;
  let runs = 0;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = Date.now();
      if ((await opts.redis.set(REDIS_EPOCH_KEY, String(now), 'NX')) === 'OK') {
        until = now + 2 * opts.afterSec * 1000 + checkMs;
        if (Number.isFinite(lastRun)) opts.log.warn({}, 'Redis came back without its data: repairing pending extractions');
      }
      if (now < until || now - lastRun >= periodicMs) {
        lastRun = now;
        runs++;
        await repairPendingExtractions({ store: opts.store, queue: opts.queue, afterSec: opts.afterSec, log: opts.log });
      }
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'repair failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), checkMs);
  const first = tick();
  return { tick, first, stop: () => clearInterval(timer), runs: () => runs };
}
