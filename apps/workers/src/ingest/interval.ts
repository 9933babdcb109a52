/** Polling policy: pure, so the scheduling rules are tested without clocks or servers. */

export interface IntervalBounds {
  minSec: number;
  maxSec: number;
}

export const DEFAULT_BOUNDS: IntervalBounds = { minSec: 5 * 60, maxSec: 24 * 3600 };

const clamp = (v: number, b: IntervalBounds) => Math.min(b.maxSec, Math.max(b.minSec, v));

/** Seconds the publisher asked us to wait: RSS <ttl>, Cache-Control max-age, Expires. */
export function publisherMinimumSec(opts: { ttlMinutes?: number; cacheControl?: string; expires?: string; now: Date }): number {
  let sec = 0;
  if (opts.ttlMinutes && opts.ttlMinutes > 0) sec = Math.max(sec, opts.ttlMinutes * 60);
  const maxAge = opts.cacheControl?.match(/(?:^|,)\s*(?:s-)?max-age\s*=\s*"?(\d+)/i);
  if (maxAge) sec = Math.max(sec, Number(maxAge[1]));
  if (opts.expires) {
    const t = Date.parse(opts.expires);
    if (Number.isFinite(t)) sec = Math.max(sec, (t - opts.now.getTime()) / 1000);
  }
  return sec;
}

/**
 * Exponentially weighted mean gap between entries, updated with the gaps among the new entries'
 * dates and the gap to the newest entry seen before. Future dates (bad clocks) are ignored.
 */
export function updateMeanGap(
  prevMeanSec: number | undefined,
  lastEntryAt: Date | undefined,
  newDates: Date[],
  now: Date,
): number | undefined {
  const times = newDates
    .map((d) => d.getTime())
    .filter((t) => t <= now.getTime() + 60_000)
    .sort((a, b) => a - b);
  if (lastEntryAt) times.unshift(lastEntryAt.getTime());
  let mean = prevMeanSec;
  for (let i = 1; i < times.length; i++) {
    const gap = Math.max(0, (times[i]! - times[i - 1]!) / 1000);
    mean = mean === undefined ? gap : 0.7 * mean + 0.3 * gap;
  }
  return mean;
}

/**
 * Next interval after a successful poll: about half the observed posting gap (so a new entry
 * waits on average a quarter gap), slowly lengthening while nothing new appears, never sooner
 * than the publisher asked, always within the bounds.
 */
export function nextPollIntervalSec(opts: {
  prevIntervalSec: number;
  meanEntryGapSec?: number;
  newEntries: number;
  publisherMinSec: number;
  bounds?: IntervalBounds;
}): number {
  const b = opts.bounds ?? DEFAULT_BOUNDS;
  let sec: number;
  if (opts.newEntries > 0 && opts.meanEntryGapSec !== undefined) sec = opts.meanEntryGapSec / 2;
  else if (opts.newEntries > 0) sec = opts.prevIntervalSec;
  else sec = opts.prevIntervalSec * 1.25;
  return Math.round(Math.min(b.maxSec, Math.max(clamp(sec, b), Math.min(opts.publisherMinSec, b.maxSec))));
}

/** Backoff after a failed poll: the server's Retry-After if longer, else doubling from the interval, jittered. */
export function errorBackoffSec(opts: {
  consecutiveErrors: number;
  intervalSec: number;
  retryAfterMs?: number;
  bounds?: IntervalBounds;
  random?: () => number;
}): number {
  const b = opts.bounds ?? DEFAULT_BOUNDS;
  const random = opts.random ?? Math.random;
  const exp = Math.min(b.maxSec, opts.intervalSec * 2 ** Math.min(opts.consecutiveErrors, 20));
  const jittered = exp / 2 + (random() * exp) / 2;
  const retryAfter = (opts.retryAfterMs ?? 0) / 1000;
  return Math.round(Math.min(b.maxSec, Math.max(jittered, retryAfter, 1)));
}
