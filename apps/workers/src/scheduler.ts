import type { Store } from '@newsline/store';
import type { Logger } from '@newsline/logger';
import type Redis from 'ioredis';

/**
 * Enqueues every feed that is due. Runs in every worker process; the deterministic job id
 * (feed + due time) makes concurrent schedulers harmless, and with `shared` only one process
 * ticks per interval (each tick reads every due feed, which on FerretDB v1 decodes the whole
 * feeds collection: in the soak, 2 workers ticking every 500 ms were 27% of FerretDB's CPU
 * early in the run, before catch-up clients queried articles). Feeds of paused sources are skipped by the fetch job itself, which
 * also moves nextPollAt on.
 */
// A due poll whose job is kept as failed (or was lost with Redis) gets a new job id this often:
// a minute keeps a feed from stalling for long, and is far above a healthy poll's queueing time.
const STALE_MS = 60_000;

export function startScheduler(opts: {
  store: Store;
  log: Logger;
  tickMs: number;
  enqueue: (feedId: string, dueKey: string) => Promise<void>;
  batch?: number;
  /** About one tick per `tickMs` across every process sharing this Redis key (SET NX PX); a process that died frees it within `tickMs`. */
  shared?: { redis: Redis; key: string };
  /**
   * Backpressure: while `backlog()` (extract jobs waiting) exceeds `backlogMax`, only feeds
   * overdue by `slowPollMs` or more are polled. Polling faster than pages can be extracted only
   * grows the backlog and spends the database on polls that bring one entry each; polled less
   * often, a feed hands over its new entries in one batch. A poll is delayed by at most
   * `slowPollMs` (FEED_MAX_INTERVAL_SEC), so entries do not slip out of a feed's window unseen.
   */
  backpressure?: { backlog: () => Promise<number>; backlogMax: number; slowPollMs: number };
}) {
  let running = false;
  const tick = async (fromTimer = false) => {
    if (running) return;
    running = true;
    try {
      if (fromTimer && opts.shared) {
        // Another process ticked within the interval. Held a little under it, so timer jitter does
        // not skip one. Redis unreachable: tick anyway (job ids dedupe).
        const holdMs = Math.max(1, Math.floor(opts.tickMs * 0.9));
        const mine = await opts.shared.redis.set(opts.shared.key, String(process.pid), 'PX', holdMs, 'NX').catch(() => 'OK');
        if (mine !== 'OK') return;
      }
      const bp = opts.backpressure;
      const busy = bp ? (await bp.backlog().catch(() => 0)) > bp.backlogMax : false;
      const dueBy = new Date(Date.now() - (busy ? bp!.slowPollMs : 0));
      const due = await opts.store.Feed.find({ nextPollAt: { $lte: dueBy }, paused: { $ne: true } }, { _id: 1, nextPollAt: 1 })
        .sort({ nextPollAt: 1 })
        .limit(opts.batch ?? 1000)
        .lean();
      const now = Date.now();
      for (const f of due) {
        const dueAt = f.nextPollAt!.getTime();
        // A poll still due long after its time was lost (its job failed and is kept for
        // inspection under the same id): a new generation of the id lets it run again.
        await opts.enqueue(String(f._id), `${dueAt}.${Math.floor((now - dueAt) / STALE_MS)}`);
      }
      if (due.length || busy) opts.log.debug({ enqueued: due.length, busy }, 'scheduler tick');
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'scheduler tick failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(true), opts.tickMs);
  void tick(true);
  return {
    /** One tick now, whatever other processes did. */
    tick: () => tick(),
    stop: async () => {
      clearInterval(timer);
      while (running) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
