import { Agent, request, type Dispatcher } from 'undici';
import { AllowList, checkUrl, guardedLookup, hostKey, SSRF_ERROR_CODE } from './address';
import { computeBackoffMs, parseRetryAfter } from './backoff';
import { readBody } from './body';
import { HostLimiter } from './limiter';
import { RobotsCache } from './robots';
import type {
  ContentTypeRule,
  FetchErrorCode,
  FetchErrorInfo,
  FetchKind,
  FetchOptions,
  FetchResult,
  FetchError,
  PoliteClient,
  PoliteClientOptions,
  PostFormResult,
} from './types';

const MiB = 1024 * 1024;
/** RFC 9309 §2.5: parse at least the first 500 KiB of robots.txt; the rest is ignored, not an error. */
const ROBOTS_MAX_BYTES = 512 * 1024;
/** RFC 9309 §2.3.1.2: follow at least five redirects for robots.txt. */
const ROBOTS_MAX_REDIRECTS = 5;
/** A Retry-After beyond a day is more likely a bug than a plan; we look again after 24 h. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;
/** Even "Retry-After: 0" gets a one-second pause so a flapping host is not hammered. */
const MIN_BACKOFF_MS = 1000;
/** A POST's answer is read this far (hubs answer 202 with an empty or short body). */
const POST_ANSWER_MAX_BYTES = 16 * 1024;

const DEFAULT_ACCEPT: Record<FetchKind, string> = {
  feed: 'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1',
  page: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1',
  robots: 'text/plain, */*;q=0.1',
};

const DEFAULT_TYPES: Record<FetchKind, ContentTypeRule[]> = {
  // gzip: sitemaps are often served as .xml.gz files (application/gzip), not with Content-Encoding.
  feed: [/(^|[/+])xml$/, /(^|[/+])json$/, /rss/, /atom/, 'text/', /^application\/(x-)?gzip$/],
  page: ['text/html', 'application/xhtml+xml'],
  robots: ['text/plain'],
};

/** Feeds are sniffed downstream and robots.txt is often served bare, so only pages need a declared type. */
const MISSING_TYPE_OK: Record<FetchKind, boolean> = { feed: true, page: false, robots: true };

const RETRYABLE: Partial<Record<FetchErrorCode, boolean>> = {
  timeout: true,
  'rate-limited': true,
  'host-backoff': true,
  network: true,
};

function fail(code: FetchErrorCode, message: string, extra: Partial<FetchErrorInfo> = {}): FetchResult {
  return { kind: 'error', error: { code, message, retryable: RETRYABLE[code] ?? false, ...extra } };
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function mediaType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t || undefined;
}

function typeAllowed(rules: ContentTypeRule[], type: string): boolean {
  return rules.some((r) => (typeof r === 'string' ? type.startsWith(r.toLowerCase()) : r.test(type)));
}

function hasCode(err: unknown, code: string): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 8; e = e.cause as typeof e, i++) {
    if (e.code === code) return true;
  }
  return false;
}

function firstCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 8; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

type HopOutcome = { type: 'done'; result: FetchResult } | { type: 'redirect'; location: string };

interface HopContext {
  url: URL;
  kind: FetchKind;
  headers: Record<string, string>;
  crawlDelayMs: number;
  signal?: AbortSignal;
}

class Client implements PoliteClient {
  private readonly allow: AllowList;
  private readonly agent: Agent;
  private readonly limiter: HostLimiter;
  private readonly robots: RobotsCache;
  private readonly intervalMs: number;
  private readonly concurrency: number;
  private readonly connectTimeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly maxRedirects: number;
  private readonly maxBytes: number;
  private readonly maxRatio: number;
  private readonly maxWaitMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly types: Record<FetchKind, ContentTypeRule[]>;

  constructor(private readonly o: PoliteClientOptions) {
    const prefix = o.keyPrefix ?? 'http:';
    this.allow = new AllowList(o.allowHosts);
    this.intervalMs = 1000 / (o.hostRatePerSec ?? 1);
    this.concurrency = o.hostConcurrency ?? 2;
    this.connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
    this.totalTimeoutMs = o.totalTimeoutMs ?? 30_000;
    this.maxRedirects = o.maxRedirects ?? 5;
    this.maxBytes = o.maxBytes ?? 5 * MiB;
    this.maxRatio = o.maxDecompressionRatio ?? 100;
    this.maxWaitMs = o.maxWaitMs ?? 30_000;
    this.backoffBaseMs = o.backoffBaseMs ?? 1000;
    this.backoffMaxMs = o.backoffMaxMs ?? 3600_000;
    const ct = o.allowedContentTypes;
    this.types = Array.isArray(ct) ? { feed: ct, page: ct, robots: ct } : { ...DEFAULT_TYPES, ...ct };
    this.agent = new Agent({
      // Every connection resolves through the guard, so the socket only ever dials vetted addresses.
      connect: { timeout: this.connectTimeoutMs, lookup: guardedLookup(this.allow) },
      headersTimeout: this.totalTimeoutMs,
      bodyTimeout: this.totalTimeoutMs,
    });
    this.limiter = new HostLimiter(o.redis, prefix);
    this.robots = new RobotsCache({
      redis: o.redis,
      prefix,
      token: o.robotsToken,
      ttlSec: Math.min(86_400, o.robotsCacheTtlSec ?? 86_400),
      errorTtlSec: Math.min(86_400, o.robotsErrorCacheTtlSec ?? 300),
      fetchRobots: (robotsUrl) => this.fetch(robotsUrl, { kind: 'robots' }),
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async postForm(url: string, fields: Record<string, string>): Promise<PostFormResult> {
    try {
      const check = await checkUrl(url, this.allow);
      if (!check.ok) return { kind: 'error', error: { code: check.code, message: check.message, retryable: false } };
      const target = check.url;
      target.hash = '';
      const hk = hostKey(target);
      const slot = await this.limiter.acquire(hk, {
        intervalMs: this.intervalMs,
        concurrency: this.concurrency,
        leaseMs: this.connectTimeoutMs + this.totalTimeoutMs + 5000,
        maxWaitMs: this.maxWaitMs,
      });
      if (slot.kind === 'backoff') return fail('host-backoff', `${hk} is backing off`, { retryAfterMs: slot.retryAfterMs }) as FetchError;
      if (slot.kind !== 'acquired') return fail('rate-limited', `no slot for ${hk} within ${this.maxWaitMs} ms`) as FetchError;
      const timer = AbortSignal.timeout(this.totalTimeoutMs);
      try {
        const res = await request(target, {
          method: 'POST',
          headers: { 'user-agent': this.o.userAgent, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
          dispatcher: this.agent,
          signal: timer,
        });
        res.body.on('error', () => undefined);
        // Only a short answer (a hub's error text) is of use; the rest is never read.
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body) {
          if (size >= POST_ANSWER_MAX_BYTES) break;
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        res.body.destroy();
        return {
          kind: 'ok',
          status: res.statusCode,
          headers: flattenHeaders(res.headers),
          text: Buffer.concat(chunks).subarray(0, POST_ANSWER_MAX_BYTES).toString('utf8'),
        };
      } catch (err) {
        if (timer.aborted) return fail('timeout', `no answer from ${hk} within ${this.totalTimeoutMs} ms`) as FetchError;
        return this.classifyError(err, hk) as FetchError;
      } finally {
        await slot.release().catch(() => undefined);
      }
    } catch (err) {
      return fail('network', `unexpected failure: ${(err as Error).message}`) as FetchError;
    }
  }

  async fetch(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
    try {
      return await this.follow(url, opts);
    } catch (err) {
      // Redis outages and anything unforeseen still come back as a value, never as a throw.
      return fail('network', `unexpected failure: ${(err as Error).message}`);
    }
  }

  private async follow(requested: string, opts: FetchOptions): Promise<FetchResult> {
    const kind = opts.kind ?? 'page';
    const maxRedirects = kind === 'robots' ? ROBOTS_MAX_REDIRECTS : this.maxRedirects;
    const redirects: string[] = [];
    const seen = new Set<string>();
    let current = requested;
    for (let hop = 0; ; hop++) {
      const check = await checkUrl(current, this.allow);
      if (!check.ok) return fail(check.code, check.message);
      const url = check.url;
      url.hash = '';
      seen.add(url.href);

      let crawlDelayMs = 0;
      if (kind !== 'robots') {
        const decision = await this.robots.check(url);
        if (!decision.allowed) return { kind: 'error', error: decision.error };
        crawlDelayMs = decision.crawlDelayMs;
      }

      const headers: Record<string, string> = {
        'user-agent': this.o.userAgent,
        accept: opts.accept ?? DEFAULT_ACCEPT[kind],
        'accept-encoding': 'gzip, deflate, br',
      };
      // Validators belong to the URL the caller cached; a redirect target is a different resource.
      if (hop === 0 && opts.etag) headers['if-none-match'] = opts.etag;
      if (hop === 0 && opts.lastModified) headers['if-modified-since'] = opts.lastModified;

      const outcome = await this.hop({ url, kind, headers, crawlDelayMs, signal: opts.signal });
      if (outcome.type === 'done') {
        const r = outcome.result;
        return r.kind === 'ok' ? { ...r, url: requested, redirects } : r;
      }
      let next: URL;
      try {
        next = new URL(outcome.location, url);
      } catch {
        return fail('http-status', `unusable Location header: ${outcome.location.slice(0, 200)}`);
      }
      next.hash = '';
      if (redirects.length >= maxRedirects) {
        return fail('too-many-redirects', `more than ${maxRedirects} redirects from ${requested}`);
      }
      if (seen.has(next.href)) return fail('redirect-loop', `redirect loop back to ${next.href}`);
      redirects.push(next.href);
      current = next.href;
    }
  }

  /** One request to one host: waits for a slot, sends, and classifies the response. */
  private async hop(ctx: HopContext): Promise<HopOutcome> {
    const hk = hostKey(ctx.url);
    const slot = await this.limiter.acquire(hk, {
      intervalMs: Math.max(this.intervalMs, ctx.crawlDelayMs),
      concurrency: this.concurrency,
      // A crashed process's slot frees itself once no request of ours could still be running.
      leaseMs: this.connectTimeoutMs + this.totalTimeoutMs + 5000,
      maxWaitMs: this.maxWaitMs,
      signal: ctx.signal,
    });
    switch (slot.kind) {
      case 'backoff':
        return { type: 'done', result: fail('host-backoff', `${hk} is backing off`, { retryAfterMs: slot.retryAfterMs }) };
      case 'busy':
        return {
          type: 'done',
          result: fail('rate-limited', `no slot for ${hk} within ${this.maxWaitMs} ms`, { retryAfterMs: slot.retryAfterMs }),
        };
      case 'aborted':
        return { type: 'done', result: fail('network', 'aborted by caller', { retryable: false }) };
    }
    try {
      return await this.send(ctx, hk);
    } finally {
      await slot.release().catch(() => undefined);
    }
  }

  private async send(ctx: HopContext, hk: string): Promise<HopOutcome> {
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new Error('total timeout')), this.totalTimeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timer.signal]) : timer.signal;
    const done = (result: FetchResult): HopOutcome => ({ type: 'done', result });
    const interrupted = (): FetchResult | undefined => {
      if (timer.signal.aborted) return fail('timeout', `no complete response from ${hk} within ${this.totalTimeoutMs} ms`);
      if (ctx.signal?.aborted) return fail('network', 'aborted by caller', { retryable: false });
      return undefined;
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await request(ctx.url, { method: 'GET', headers: ctx.headers, dispatcher: this.agent, signal });
    } catch (err) {
      clearTimeout(timeout);
      return done(await this.breakOnTimeout(interrupted() ?? this.classifyError(err, hk), hk));
    }
    // Dropping a body we do not want emits an abort error; nobody else listens, so swallow it here.
    res.body.on('error', () => undefined);
    try {
      const status = res.statusCode;
      const headers = flattenHeaders(res.headers);
      const discard = () => res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);

      if (status >= 300 && status < 400 && status !== 304) {
        await discard();
        if (headers.location) return { type: 'redirect', location: headers.location };
        return done(fail('http-status', `HTTP ${status} without Location`, { status }));
      }
      if (status === 429 || status === 503) {
        await discard();
        const retryAfterMs = await this.backOff(hk, headers['retry-after']);
        const msg = `HTTP ${status} from ${hk}; host backing off ${retryAfterMs} ms`;
        return done(
          status === 429
            ? fail('rate-limited', msg, { status, retryAfterMs })
            : fail('http-status', msg, { status, retryAfterMs, retryable: true }),
        );
      }
      if (status === 304) {
        await discard();
        await this.limiter.recordSuccess(hk);
        return done({ kind: 'not-modified', finalUrl: ctx.url.href, etag: headers.etag, lastModified: headers['last-modified'], headers });
      }
      if (status < 200 || status >= 300) {
        await discard();
        return done(fail('http-status', `HTTP ${status} from ${ctx.url.href}`, { status, retryable: status >= 500 || status === 408 }));
      }

      const contentType = headers['content-type'];
      const type = mediaType(contentType);
      if (type ? !typeAllowed(this.types[ctx.kind], type) : !MISSING_TYPE_OK[ctx.kind]) {
        res.body.destroy();
        return done(fail('content-type', `content type ${type ?? '(none)'} not accepted for ${ctx.kind}`, { status }));
      }
      const truncate = ctx.kind === 'robots';
      const maxBytes = truncate ? ROBOTS_MAX_BYTES : this.maxBytes;
      const declared = Number(headers['content-length']);
      if (!truncate && Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        return done(fail('too-large', `Content-Length ${declared} exceeds ${maxBytes}`, { status }));
      }
      const body = await readBody(res.body, headers['content-encoding'], { maxBytes, maxRatio: this.maxRatio, truncate });
      if (!body.ok) return done(await this.breakOnTimeout(interrupted() ?? fail(body.code, body.message, { status }), hk));
      await this.limiter.recordSuccess(hk);
      return done({
        kind: 'ok',
        url: ctx.url.href,
        finalUrl: ctx.url.href,
        status,
        headers,
        body: body.body,
        contentType,
        etag: headers.etag,
        lastModified: headers['last-modified'],
        redirects: [],
      });
    } catch (err) {
      res.body.destroy();
      return done(await this.breakOnTimeout(interrupted() ?? this.classifyError(err, hk), hk));
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * A timeout backs the whole host off like a 503 without Retry-After (exponential in consecutive
   * failures, reset by a success): each request to a hanging host holds its caller — a worker's
   * job slot — for the full timeout, so without this a few slow hosts starve every other one.
   * The next requests fail fast with `host-backoff` and its retryAfterMs.
   */
  private async breakOnTimeout(result: FetchResult, hk: string): Promise<FetchResult> {
    if (result.kind !== 'error' || result.error.code !== 'timeout') return result;
    const retryAfterMs = await this.backOff(hk, undefined).catch(() => undefined);
    if (retryAfterMs === undefined) return result;
    return {
      kind: 'error',
      error: { ...result.error, message: `${result.error.message}; host backing off ${retryAfterMs} ms`, retryAfterMs },
    };
  }

  /** Records a 429/503 (or a timeout) for the host and returns how long every process should now stay away. */
  private async backOff(hk: string, retryAfter: string | undefined): Promise<number> {
    const failures = await this.limiter.recordFailure(hk);
    const hinted = parseRetryAfter(retryAfter, Date.now());
    const ms =
      hinted !== undefined
        ? Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_BACKOFF_MS, hinted))
        : computeBackoffMs(failures, { baseMs: this.backoffBaseMs, maxMs: this.backoffMaxMs });
    return this.limiter.setBackoff(hk, ms);
  }

  private classifyError(err: unknown, hk: string): FetchResult {
    if (hasCode(err, SSRF_ERROR_CODE)) return fail('ssrf-blocked', (err as Error).message);
    const code = firstCode(err);
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return fail('timeout', `${code} talking to ${hk}`);
    }
    return fail('network', `${code ?? 'error'} talking to ${hk}: ${(err as Error)?.message ?? String(err)}`);
  }
}

export function createPoliteClient(opts: PoliteClientOptions): PoliteClient {
  return new Client(opts);
}

/** The `HTTP_*` settings of the config schema (structural, so this package needs no config import). */
export interface PoliteClientSettings {
  HTTP_USER_AGENT: string;
  HTTP_ALLOW_HOSTS?: string[];
  HTTP_HOST_RATE_PER_SEC: number;
  HTTP_HOST_CONCURRENCY: number;
}

/** The client every app builds from its config: the robots token is the User-Agent's product name. */
export function politeClientFromConfig(
  config: PoliteClientSettings,
  redis: PoliteClientOptions['redis'],
  overrides: Partial<PoliteClientOptions> = {},
): PoliteClient {
  return createPoliteClient({
    redis,
    userAgent: config.HTTP_USER_AGENT,
    robotsToken: config.HTTP_USER_AGENT.split('/')[0]!,
    allowHosts: config.HTTP_ALLOW_HOSTS,
    hostRatePerSec: config.HTTP_HOST_RATE_PER_SEC,
    hostConcurrency: config.HTTP_HOST_CONCURRENCY,
    ...overrides,
  });
}
