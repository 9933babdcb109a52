import type { Config } from '@newsline/config';
import { EVENTS_CHANNEL, encodeEvent, type ArticleEvent, type ExtractArticleJob } from '@newsline/domain';
import type { PoliteClient } from '@newsline/http';
import type { Logger } from '@newsline/logger';
import type { Store } from '@newsline/store';
import type Redis from 'ioredis';

/** What every job handler needs; built once per process in main.ts (and per test). */
export interface IngestContext {
  config: Config;
  log: Logger;
  store: Store;
  redis: Redis;
  http: PoliteClient;
  enqueueExtract(job: ExtractArticleJob): Promise<void>;
  /** Ingestion gates call this before fetching and before storing (the takedown issue fills it in). */
  isBlocked(url: string): Promise<boolean>;
  now(): Date;
}

export async function publishEvent(redis: Redis, event: ArticleEvent): Promise<void> {
  await redis.publish(EVENTS_CHANNEL, encodeEvent(event));
}
