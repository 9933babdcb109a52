import type { Config } from '@newsline/config';
import { politeClientFromConfig, type PoliteClientOptions } from '@newsline/http';
import type { Logger } from '@newsline/logger';
import type { Store } from '@newsline/store';
import type Redis from 'ioredis';
import type { IngestContext } from './ingest/context';
import { urlKey, type ExtractArticleJob } from '@newsline/domain';
import { TOMBSTONE_VERSION_KEY } from '@newsline/takedowns';

/** Builds the ingestion context from config: the one polite client for every fetch in this process. */
export function createIngestContext(opts: {
  config: Config;
  log: Logger;
  store: Store;
  redis: Redis;
  enqueueExtract: (job: ExtractArticleJob) => Promise<void>;
  isBlocked?: (url: string) => Promise<boolean>;
  /** Tests shorten timeouts; everything else comes from config. */
  httpOverrides?: Partial<PoliteClientOptions>;
}): IngestContext {
  const { config } = opts;
  const http = politeClientFromConfig(config, opts.redis, opts.httpOverrides);
  return {
    config,
    log: opts.log,
    store: opts.store,
    redis: opts.redis,
    http,
    enqueueExtract: opts.enqueueExtract,
    isBlocked: opts.isBlocked ?? (async () => false),
    now: () => new Date(),
  };
}

/** Bound on remembered answers; the memo starts over when full. */
const NOT_BLOCKED_MEMO_MAX = 50_000;

/**
 * Remembers "not blocked" answers per URL key for as long as the tombstone version in Redis
 * stays the same: every tombstone write or removal increments it before the next check can
 * see it, so a remembered answer is never older than the gate's own. An article's URL is
 * checked when its entry is stored, before its page is fetched and after: the later checks
 * then cost one Redis GET instead of a tombstone lookup in the database. "Blocked" answers
 * are always asked again (the gate remembers those itself).
 */
export function memoizeNotBlocked(redis: Redis, isBlocked: (url: string) => Promise<boolean>): (url: string) => Promise<boolean> {
  const memo = new Map<string, string>();
  return async (url) => {
    let key: string | undefined;
    try {
      key = urlKey(url);
    } catch {
      key = undefined;
    }
    // Read before asking the gate: an answer is only reused under the version it was given in.
    const version = (await redis.get(TOMBSTONE_VERSION_KEY)) ?? '0';
    if (key !== undefined && memo.get(key) === version) return false;
    const blocked = await isBlocked(url);
    if (!blocked && key !== undefined) {
      if (memo.size >= NOT_BLOCKED_MEMO_MAX) memo.clear();
      memo.set(key, version);
    }
    return blocked;
  };
}
