import robotsParser from 'robots-parser';
import type { Redis } from 'ioredis';
import type { FetchErrorInfo, FetchResult } from './types';

type Verdict = 'rules' | 'allow-all' | 'disallow-all';

interface RobotsRecord {
  verdict: Verdict;
  body?: string;
  /** Why this verdict, for error messages. */
  reason: string;
}

export type RobotsDecision = { allowed: true; crawlDelayMs: number } | { allowed: false; error: FetchErrorInfo };

/** Crawl-delay above this is clamped: a typo'd "Crawl-delay: 86400" should slow us, not stall the host for a day. */
export const MAX_CRAWL_DELAY_MS = 60_000;
const MEMO_LIMIT = 500;

export interface RobotsOptions {
  redis: Redis;
  prefix: string;
  token: string;
  ttlSec: number;
  errorTtlSec: number;
  /** Fetches a robots.txt URL through the client's guarded path (kind 'robots'). */
  fetchRobots: (robotsUrl: string) => Promise<FetchResult>;
}

/**
 * RFC 9309 robots.txt for our product token, cached per origin in Redis. 4xx (and a missing or
 * non-text robots.txt, or too many redirects) allow all; 5xx, 429, timeouts and unreachable
 * hosts disallow all and are cached only briefly so we retry soon.
 */
export class RobotsCache {
  private readonly inflight = new Map<string, Promise<RobotsRecord | FetchErrorInfo>>();
  // Parsing a large robots.txt on every call is wasteful; reuse the parser while Redis holds the same text.
  private readonly memo = new Map<string, { raw: string; robot: ReturnType<typeof robotsParser> }>();

  constructor(private readonly o: RobotsOptions) {}

  private key(origin: string): string {
    return `${this.o.prefix}robots:${origin}`;
  }

  async check(url: URL): Promise<RobotsDecision> {
    const origin = url.origin;
    const key = this.key(origin);
    let raw = await this.o.redis.get(key);
    if (raw === null) {
      let pending = this.inflight.get(origin);
      if (!pending) {
        // One robots.txt fetch per origin per process, however many callers are waiting on it. It
        // gets no caller signal: one caller giving up must not turn into a cached disallow-all.
        pending = this.load(origin).finally(() => this.inflight.delete(origin));
        this.inflight.set(origin, pending);
      }
      const loaded = await pending;
      if ('code' in loaded) return { allowed: false, error: loaded };
      raw = JSON.stringify(loaded);
    }
    const record = JSON.parse(raw) as RobotsRecord;
    if (record.verdict === 'allow-all') return { allowed: true, crawlDelayMs: 0 };
    if (record.verdict === 'disallow-all') {
      const ttl = await this.o.redis.pttl(key);
      return {
        allowed: false,
        error: {
          code: 'robots-disallowed',
          message: `robots.txt for ${origin} unavailable (${record.reason}); treating as disallow-all`,
          retryable: true,
          retryAfterMs: ttl > 0 ? ttl : this.o.errorTtlSec * 1000,
        },
      };
    }
    const robot = this.parse(origin, raw, record.body ?? '');
    if (robot.isAllowed(url.href, this.o.token) === false) {
      return {
        allowed: false,
        error: {
          code: 'robots-disallowed',
          message: `robots.txt of ${origin} disallows ${url.pathname} for ${this.o.token}`,
          retryable: false,
        },
      };
    }
    const delay = robot.getCrawlDelay(this.o.token);
    const crawlDelayMs = typeof delay === 'number' && delay > 0 ? Math.min(MAX_CRAWL_DELAY_MS, delay * 1000) : 0;
    return { allowed: true, crawlDelayMs };
  }

  private parse(origin: string, raw: string, body: string) {
    const hit = this.memo.get(origin);
    if (hit && hit.raw === raw) return hit.robot;
    const robot = robotsParser(`${origin}/robots.txt`, body);
    if (this.memo.size >= MEMO_LIMIT) this.memo.delete(this.memo.keys().next().value as string);
    this.memo.set(origin, { raw, robot });
    return robot;
  }

  private async load(origin: string): Promise<RobotsRecord | FetchErrorInfo> {
    const res = await this.o.fetchRobots(`${origin}/robots.txt`);
    const decided = this.decide(res);
    if ('code' in decided) return decided;
    const ttl = decided.verdict === 'disallow-all' ? this.o.errorTtlSec : this.o.ttlSec;
    await this.o.redis.set(this.key(origin), JSON.stringify(decided), 'EX', Math.max(1, Math.floor(ttl)));
    return decided;
  }

  /** Maps a robots.txt fetch outcome to a cacheable verdict, or to an error that must not be cached. */
  private decide(res: FetchResult): RobotsRecord | FetchErrorInfo {
    if (res.kind === 'ok') return { verdict: 'rules', body: res.body.toString('utf8'), reason: `HTTP ${res.status}` };
    if (res.kind === 'not-modified') return { verdict: 'allow-all', reason: 'unexpected 304' };
    const e = res.error;
    switch (e.code) {
      // Our own limits, not the site's answer: report them, cache nothing.
      case 'host-backoff':
      case 'invalid-url':
        return e;
      case 'rate-limited':
        return e.status === 429 ? { verdict: 'disallow-all', reason: 'HTTP 429' } : e;
      case 'http-status':
        if (e.status !== undefined && e.status >= 400 && e.status < 500) return { verdict: 'allow-all', reason: `HTTP ${e.status}` };
        return { verdict: 'disallow-all', reason: e.status !== undefined ? `HTTP ${e.status}` : e.message };
      case 'too-many-redirects':
      case 'redirect-loop':
      case 'content-type':
        // RFC 9309 §2.3.1.2: unavailable robots.txt (incl. >5 redirects) means no restrictions.
        return { verdict: 'allow-all', reason: e.code };
      default:
        return { verdict: 'disallow-all', reason: `${e.code}: ${e.message}` };
    }
  }
}
