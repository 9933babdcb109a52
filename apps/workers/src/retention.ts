import type { Logger } from '@newsline/logger';
import type { Store } from '@newsline/store';
import type { Types } from 'mongoose';

/**
 * The operator's retention policy: article bodies dropped `bodyDays` after publication (headline,
 * summary, link and attribution kept), articles deleted `deleteDays` after it; 0 turns either off.
 *
 * Work is done in day-wide windows of publishedAt, oldest first, in batches of BATCH ids, each
 * window an index range (publishedAt, _id); a watermark in the store (`retention_state`) records
 * how far each step got, so a run reads only the days that became due since the last one. Only
 * articles are touched: takedown tombstones, which keep removed content from coming back, live
 * in their own collection and never expire. Writes are by `_id` without upsert, so an article a
 * takedown removes meanwhile stays removed.
 */
export interface RetentionPolicy {
  bodyDays: number;
  deleteDays: number;
}

const DAY = 86_400_000;
const BATCH = 500;
/** Where a first run starts when no watermark exists: older articles are rare and cost one probe a day. */
const FIRST_LOOKBACK_DAYS = 3_650;
const SKIP_DAYS = 64;
const TIME_INDEX = { publishedAt: -1, _id: -1 } as const;

interface StateDoc {
  _id: string;
  through: Date;
}

function stateCollection(store: Store) {
  return store.conn.collection<StateDoc>('retention_state');
}

async function eachWindow(
  store: Store,
  step: 'bodies' | 'delete',
  cutoff: Date,
  visit: (range: { $gte: Date; $lt: Date }) => Promise<number>,
): Promise<number> {
  const state = stateCollection(store);
  const prev = await state.findOne({ _id: step });
  let lo = prev?.through ?? new Date(cutoff.getTime() - FIRST_LOOKBACK_DAYS * DAY);
  let total = 0;
  while (lo < cutoff) {
    // An empty stretch costs one probe per SKIP_DAYS, not one per day.
    const skip = new Date(Math.min(lo.getTime() + SKIP_DAYS * DAY, cutoff.getTime()));
    const any = await store.Article.exists({ publishedAt: { $gte: lo, $lt: skip } }).hint(TIME_INDEX);
    const hi = any ? new Date(Math.min(lo.getTime() + DAY, cutoff.getTime())) : skip;
    if (any) total += await visit({ $gte: lo, $lt: hi });
    await state.updateOne({ _id: step }, { $set: { through: hi } }, { upsert: true });
    lo = hi;
  }
  return total;
}

async function ids(store: Store, filter: Record<string, unknown>): Promise<Types.ObjectId[]> {
  const rows = await store.Article.find(filter, { _id: 1 }).limit(BATCH).hint(TIME_INDEX).lean();
  return rows.map((r) => r._id as Types.ObjectId);
}

export async function applyRetention(opts: {
  store: Store;
  policy: RetentionPolicy;
  now?: Date;
  log?: Logger;
}): Promise<{ bodiesDropped: number; deleted: number }> {
  const now = (opts.now ?? new Date()).getTime();
  const { store, policy } = opts;
  let deleted = 0;
  let bodiesDropped = 0;
  if (policy.deleteDays > 0) {
    deleted = await eachWindow(store, 'delete', new Date(now - policy.deleteDays * DAY), async (range) => {
      let n = 0;
      for (;;) {
        const batch = await ids(store, { publishedAt: range });
        if (!batch.length) return n;
        n += (await store.Article.deleteMany({ _id: { $in: batch } })).deletedCount;
      }
    });
  }
  if (policy.bodyDays > 0) {
    bodiesDropped = await eachWindow(store, 'bodies', new Date(now - policy.bodyDays * DAY), async (range) => {
      let n = 0;
      for (;;) {
        const batch = await ids(store, { publishedAt: range, $or: [{ body: { $exists: true } }, { text: { $exists: true } }] });
        if (!batch.length) return n;
        // No upsert: an article removed meanwhile is not brought back.
        n += (await store.Article.updateMany({ _id: { $in: batch } }, { $unset: { body: 1, text: 1 } }, { timestamps: false }))
          .modifiedCount;
      }
    });
  }
  if (deleted || bodiesDropped) opts.log?.info({ deleted, bodiesDropped }, 'retention applied');
  return { bodiesDropped, deleted };
}

/** Applies the policy at start and every `intervalMs`, one worker process at a time (Redis SET NX PX). */
export function startRetentionLoop(opts: {
  store: Store;
  redis: { set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown> };
  policy: RetentionPolicy;
  intervalMs: number;
  log: Logger;
}): { stop: () => void; first: Promise<void> } {
  if (opts.policy.bodyDays <= 0 && opts.policy.deleteDays <= 0) return { stop: () => {}, first: Promise.resolve() };
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if ((await opts.redis.set('newsline:retention:lock', String(process.pid), 'PX', opts.intervalMs, 'NX')) !== 'OK') return;
      await applyRetention({ store: opts.store, policy: opts.policy, log: opts.log });
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'retention failed; next interval retries');
    } finally {
      running = false;
    }
  };
  const first = tick();
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), first };
}
