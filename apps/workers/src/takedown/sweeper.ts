import type { Logger } from '@newsline/logger';
import { takedownModel, type Store } from '@newsline/store';

export interface SweepResult {
  requeued: number;
  overdue: number;
  reverify: number;
}

/**
 * The SLA sweeper: re-enqueues approved requests not yet enforced (a lost or failed job is
 * driven again), counts open requests past their deadline (the `takedown_overdue` gauge), and
 * re-enqueues enforced requests whose last verification is older than `reverifyMs`.
 */
export function startTakedownSweeper(opts: {
  store: Store;
  log: Logger;
  everyMs: number;
  reverifyMs: number;
  enqueue: (requestId: string) => Promise<void>;
}) {
  const R = takedownModel(opts.store.conn);
  const state = { overdue: 0, sweeps: 0 };
  let running: Promise<SweepResult> | undefined;
  const sweep = async (): Promise<SweepResult> => {
    const now = new Date();
    const approved = await R.find({ status: 'approved' }, { _id: 1 }).limit(1000).lean();
    for (const r of approved) await opts.enqueue(String(r._id));
    const overdue = await R.countDocuments({ status: { $in: ['received', 'reviewing', 'approved'] }, deadline: { $lt: now } });
    const stale = await R.find(
      { status: 'enforced', 'enforcement.verifiedAt': { $lt: new Date(now.getTime() - opts.reverifyMs) } },
      { _id: 1 },
    )
      .limit(50)
      .lean();
    for (const r of stale) await opts.enqueue(String(r._id));
    state.overdue = overdue;
    state.sweeps++;
    if (overdue) opts.log.warn({ overdue }, 'takedown requests past their deadline');
    return { requeued: approved.length, overdue, reverify: stale.length };
  };
  const tick = (): Promise<SweepResult> => {
    running ??= sweep().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(
    () => void tick().catch((err: Error) => opts.log.warn({ err: err.message }, 'takedown sweep failed')),
    opts.everyMs,
  );
  return {
    tick,
    state,
    /** Prometheus text exposition of the sweeper's gauges. */
    metrics: () =>
      `# HELP takedown_overdue Open takedown requests past their deadline.\n# TYPE takedown_overdue gauge\ntakedown_overdue ${state.overdue}\n`,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
