import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Sets the absolute count done and the extra counters shown after the bar. */
  update(done: number, counters?: Record<string, number>): void;
  stop(): void;
}

/**
 * A progress bar with counts and ETA on stderr, only when stderr is a terminal and the output
 * is not --json: pipes and scripts get clean stdout and no control characters.
 */
export function progress(total: number, label: string, opts: { json: boolean; stream?: NodeJS.WriteStream }): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.json || !stream.isTTY || total === 0) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted} | {counters}`,
    barsize: 24,
    hideCursor: true,
    etaBuffer: 20,
  });
  bar.start(total, 0, { counters: '' });
  return {
    update(done, counters = {}) {
      bar.update(done, { counters: formatCounters(counters) });
    },
    stop: () => bar.stop(),
  };
}

export const formatCounters = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
