import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One round trip decides everything for a host, atomically:
 *   KEYS[1] in-flight leases (ZSET member=lease id, score=expiry ms, Redis clock)
 *   KEYS[2] recent requests (ZSET member=lease id, score=when the request ended; +lease expiry while in flight)
 *   KEYS[3] backoff marker (exists with a PX TTL while the host asked us to back off)
 *   KEYS[4] interval marker (exists with a PX TTL until the next start is allowed)
 *   ARGV: windowMs, concurrency, leaseMs, leaseId, maxInWindow, intervalMs
 * Returns {0,0} acquired, {1,ms} wait for the window, {2,ms} host backoff, {3,ms} slots full.
 * Starts are spaced by intervalMs, and a request may start only while fewer than maxInWindow requests ended (or are still running)
 * within the last windowMs. A request reaches the server between its start and its end, so
 * this bounds what the server sees in any window, whatever the network delays — spacing by
 * start times alone does not: a slow first request and a fast second one arrive bunched.
 * TTLs and Redis TIME are used instead of client clocks so processes with skewed clocks agree.
 */
const ACQUIRE_LUA = `
local bo = redis.call('PTTL', KEYS[3])
if bo > 0 then return {2, bo} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local gap = redis.call('PTTL', KEYS[4])
if gap > 0 then return {1, gap} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {3, math.max(1, tonumber(first[2]) - now)}
end
local lease = tonumber(ARGV[3])
if window > 0 and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local ends = tonumber(oldest[2])
  -- A request still in flight has no end yet: poll again soon (state 3), else wait exactly.
  if ends > now then return {3, 25} end
  return {1, math.max(1, ends + window - now)}
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
redis.call('PEXPIRE', KEYS[1], lease)
if window > 0 then
  redis.call('ZADD', KEYS[2], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], lease + window)
end
local interval = tonumber(ARGV[6])
if interval > 0 then redis.call('SET', KEYS[4], '1', 'PX', interval) end
return {0, 0}
`;

/** Marks a request ended: its lease is freed and its window entry takes the end time. */
const RELEASE_LUA = `
redis.call('ZREM', KEYS[1], ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) + 60000)
end
return 1
`;

/** Backoff only ever grows: a short Retry-After from one process must not cut another's long one. */
const BACKOFF_LUA = `
local cur = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if cur < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) return ms end
return cur
`;

export type AcquireResult =
  | { kind: 'acquired'; release: () => Promise<void> }
  | { kind: 'backoff'; retryAfterMs: number }
  | { kind: 'busy'; retryAfterMs: number }
  | { kind: 'aborted' };

export interface AcquireOptions {
  /** At most one request per intervalMs on average: maxInWindow requests per maxInWindow × intervalMs. */
  intervalMs: number;
  concurrency: number;
  leaseMs: number;
  maxWaitMs: number;
  signal?: AbortSignal;
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const ACQUIRE_SHA = sha1(ACQUIRE_LUA);
const BACKOFF_SHA = sha1(BACKOFF_LUA);
const RELEASE_SHA = sha1(RELEASE_LUA);

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Per-host start interval, concurrency leases and backoff, shared by every process on one Redis. */
export class HostLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  // The {hostKey} hash tag keeps one host's keys in one slot should this ever run on Redis Cluster.
  private keys(hk: string) {
    const base = `${this.prefix}host:{${hk}}`;
    return {
      inflight: `${base}:inflight`,
      recent: `${base}:recent`,
      next: `${base}:next`,
      backoff: `${base}:backoff`,
      fails: `${base}:fails`,
    };
  }

  private async script(sha: string, lua: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return this.redis.eval(lua, keys.length, ...keys, ...args);
    }
  }

  async acquire(hk: string, opts: AcquireOptions): Promise<AcquireResult> {
    const k = this.keys(hk);
    const leaseId = randomUUID();
    const deadline = Date.now() + opts.maxWaitMs;
    while (true) {
      if (opts.signal?.aborted) return { kind: 'aborted' };
      // Rates of one or more per second become "n per second"; slower ones "one per interval".
      const perWindow = opts.intervalMs > 0 ? Math.max(1, Math.floor(1000 / opts.intervalMs)) : 1;
      const windowMs = Math.ceil(perWindow * Math.max(0, opts.intervalMs));
      const [state, ms] = (await this.script(
        ACQUIRE_SHA,
        ACQUIRE_LUA,
        [k.inflight, k.recent, k.backoff, k.next],
        [windowMs, Math.max(1, opts.concurrency), opts.leaseMs, leaseId, perWindow, Math.max(0, Math.ceil(opts.intervalMs))],
      )) as [number, number];
      if (state === 0) {
        let released = false;
        return {
          kind: 'acquired',
          release: async () => {
            if (released) return;
            released = true;
            await this.script(RELEASE_SHA, RELEASE_LUA, [k.inflight, k.recent], [leaseId, windowMs]);
          },
        };
      }
      if (state === 2) return { kind: 'backoff', retryAfterMs: ms };
      const remaining = deadline - Date.now();
      // The interval wait is exact, so give up at once if it cannot fit; a full host may free a
      // slot any moment, so poll it (25–75 ms, jittered so waiters do not move in lockstep).
      const wait = state === 1 ? ms : Math.min(ms, 25 + Math.floor(Math.random() * 50));
      // Waiting for a request in flight to end has no known length: only an exact wait may give up early.
      if ((state === 1 && ms > remaining) || remaining <= 0) return { kind: 'busy', retryAfterMs: ms };
      if (!(await sleep(Math.min(wait, remaining), opts.signal))) return { kind: 'aborted' };
    }
  }

  /** Puts the host into backoff for `ms` (never shortening an existing one); returns the effective ms. */
  async setBackoff(hk: string, ms: number): Promise<number> {
    const k = this.keys(hk);
    return Number(await this.script(BACKOFF_SHA, BACKOFF_LUA, [k.backoff], [Math.max(1, Math.ceil(ms))]));
  }

  /** Counts a consecutive failure (429/503) for the host and returns the new count. */
  async recordFailure(hk: string): Promise<number> {
    const k = this.keys(hk);
    const [[, count]] = (await this.redis.multi().incr(k.fails).pexpire(k.fails, 86_400_000).exec()) as [[Error | null, number]];
    return count;
  }

  async recordSuccess(hk: string): Promise<void> {
    await this.redis.del(this.keys(hk).fails);
  }
}
