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
