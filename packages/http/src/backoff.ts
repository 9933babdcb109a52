export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the ceiling doubles per attempt (base·2^(attempt-1),
 * capped at maxMs) and the delay is uniform in [ceiling/2, ceiling], never below baseMs. Half the
 * ceiling stays fixed so retries from many processes spread out without collapsing to ~0.
 */
export function computeBackoffMs(attempt: number, opts: BackoffOptions): number {
  const random = opts.random ?? Math.random;
  const n = Number.isNaN(attempt) ? 1 : Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (n - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.min(opts.maxMs, Math.max(opts.baseMs, jittered)));
}

/**
 * Retry-After (RFC 9110 §10.2.3) as milliseconds from `now`: delta-seconds or an HTTP-date.
 * Returns undefined for absent or malformed values; dates in the past give 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only date-looking strings: Date.parse would accept "1.5" or "-3" as dates.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
