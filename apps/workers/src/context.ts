import type { Config } from '@newsline/config';
import { createPoliteClient, type PoliteClientOptions } from '@newsline/http';
import type { Logger } from '@newsline/logger';
import type { Store } from '@newsline/store';
import type Redis from 'ioredis';
import type { IngestContext } from './ingest/context';
import type { ExtractArticleJob } from '@newsline/domain';

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
  const http = createPoliteClient({
    redis: opts.redis,
    userAgent: config.HTTP_USER_AGENT,
    robotsToken: config.HTTP_USER_AGENT.split('/')[0]!,
    allowHosts: config.HTTP_ALLOW_HOSTS,
    hostRatePerSec: config.HTTP_HOST_RATE_PER_SEC,
    hostConcurrency: config.HTTP_HOST_CONCURRENCY,
    ...opts.httpOverrides,
  });
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
