import type { Redis } from 'ioredis';

export type FetchKind = 'feed' | 'page' | 'robots';

export type FetchErrorCode =
  | 'robots-disallowed'
  | 'ssrf-blocked'
  | 'invalid-url'
  | 'timeout'
  | 'too-large'
  | 'decompression-bomb'
  | 'content-type'
  | 'too-many-redirects'
  | 'redirect-loop'
  | 'http-status'
  | 'rate-limited'
  | 'host-backoff'
  | 'network';

export interface FetchErrorInfo {
  code: FetchErrorCode;
  message: string;
  status?: number;
  retryAfterMs?: number;
  retryable: boolean;
}

export interface FetchOk {
  kind: 'ok';
  /** The URL the caller asked for. */
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  /** Decoded (decompressed) body. */
  body: Buffer;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  /** Every Location followed, in order (absolute URLs). */
  redirects: string[];
}

export interface FetchNotModified {
  kind: 'not-modified';
  finalUrl: string;
  etag?: string;
  lastModified?: string;
  headers: Record<string, string>;
}

export interface FetchError {
  kind: 'error';
  error: FetchErrorInfo;
}

export type FetchResult = FetchOk | FetchNotModified | FetchError;

export interface FetchOptions {
  etag?: string;
  lastModified?: string;
  accept?: string;
  /** Selects Accept and allowed content types; default 'page'. */
  kind?: FetchKind;
  signal?: AbortSignal;
}

/** A string is a case-insensitive prefix of the media type (parameters stripped); a RegExp is tested against it. */
export type ContentTypeRule = string | RegExp;

export interface PoliteClientOptions {
  /** Shared ioredis connection; the client never quits it. */
  redis: Redis;
  /** Prefix for every Redis key this client writes. Default 'http:'. */
  keyPrefix?: string;
  /** Full User-Agent header, e.g. 'NewslineBot/1.0 (+https://example.org/bot)'. */
  userAgent: string;
  /** Product token matched against robots.txt user-agent lines, e.g. 'NewslineBot'. */
  robotsToken: string;
  /** Hostnames, IP literals or CIDRs exempt from the SSRF guard (and from the port rule). */
  allowHosts?: string[];
  /** Max request starts per second per host, across all processes. Default 1. */
  hostRatePerSec?: number;
  /** Max in-flight requests per host, across all processes. Default 2. */
  hostConcurrency?: number;
  /** Default 10 000. */
  connectTimeoutMs?: number;
  /** Upper bound for one request (one hop) from dispatch to last body byte. Default 30 000. */
  totalTimeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Cap on both the wire body and the decoded body. Default 5 MiB. */
  maxBytes?: number;
  /** Decoded/encoded ratio above which a compressed body is rejected. Default 100. */
  maxDecompressionRatio?: number;
  /** Override the allowed content types: one list for every kind, or a list per kind. */
  allowedContentTypes?: ContentTypeRule[] | Partial<Record<FetchKind, ContentTypeRule[]>>;
  /** TTL of a successfully fetched (or 4xx) robots.txt in Redis; clamped to 24 h. Default 86 400. */
  robotsCacheTtlSec?: number;
  /** TTL of a "disallow all" verdict caused by 5xx/unreachable robots.txt. Default 300. */
  robotsErrorCacheTtlSec?: number;
  /** How long fetch() may wait for a host slot before returning 'rate-limited'. Default 30 000. */
  maxWaitMs?: number;
  /** Exponential host backoff bounds when 429/503 come without Retry-After. Defaults 1 s and 1 h. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** The answer to a form POST (any status: the caller decides what a non-2xx means). */
export type PostFormResult = { kind: 'ok'; status: number; headers: Record<string, string>; text: string } | FetchError;

export interface PoliteClient {
  fetch(url: string, opts?: FetchOptions): Promise<FetchResult>;
  /**
   * POSTs an `application/x-www-form-urlencoded` body (a WebSub subscription request): the same
   * SSRF guard (every connection), per-host slot and timeouts as fetch; no robots.txt (not a crawl),
   * no redirects followed.
   */
  postForm(url: string, fields: Record<string, string>): Promise<PostFormResult>;
  /** Closes the client's connection pool (not the shared Redis connection). */
  close(): Promise<void>;
}
