import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One round trip decides everything for a host, atomically:
 *   KEYS[1] in-flight leases (ZSET member=lease id, score=expiry ms, Redis clock)
 *   KEYS[2] interval marker (exists with a PX TTL until the next start is allowed)
 *   KEYS[3] backoff marker (exists with a PX TTL while the host asked us to back off)
 *   ARGV: intervalMs, concurrency, leaseMs, leaseId
 * Returns {0,0} acquired, {1,ms} wait for the interval, {2,ms} host backoff, {3,ms} slots full
 * (ms = when the oldest lease would expire at the latest).
 * TTLs and Redis TIME are used instead of client clocks so processes with skewed clocks agree.
 */
const ACQUIRE_LUA = `
local bo = redis.call('PTTL', KEYS[3])
if bo > 0 then return {2, bo} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return {1, wait} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {3, math.max(1, tonumber(first[2]) - now)}
end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
redis.call('PEXPIRE', KEYS[1], lease)
local interval = tonumber(ARGV[1])
if interval > 0 then redis.call('SET', KEYS[2], '1', 'PX', interval) end
return {0, 0}
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
  intervalMs: number;
  concurrency: number;
  leaseMs: number;
  maxWaitMs: number;
  signal?: AbortSignal;
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const ACQUIRE_SHA = sha1(ACQUIRE_LUA);
const BACKOFF_SHA = sha1(BACKOFF_LUA);

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
    return { inflight: `${base}:inflight`, next: `${base}:next`, backoff: `${base}:backoff`, fails: `${base}:fails` };
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
      const [state, ms] = (await this.script(
        ACQUIRE_SHA,
        ACQUIRE_LUA,
        [k.inflight, k.next, k.backoff],
        [Math.max(0, Math.ceil(opts.intervalMs)), Math.max(1, opts.concurrency), opts.leaseMs, leaseId],
      )) as [number, number];
      if (state === 0) {
        let released = false;
        return {
          kind: 'acquired',
          release: async () => {
            if (released) return;
            released = true;
            await this.redis.zrem(k.inflight, leaseId);
          },
        };
      }
      if (state === 2) return { kind: 'backoff', retryAfterMs: ms };
      const remaining = deadline - Date.now();
      // The interval wait is exact, so give up at once if it cannot fit; a full host may free a
      // slot any moment, so poll it (25–75 ms, jittered so waiters do not move in lockstep).
      const wait = state === 1 ? ms : Math.min(ms, 25 + Math.floor(Math.random() * 50));
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
