import { EVENTS_CHANNEL, encodeEvent, type ExtractArticleJob } from '@newsline/domain';
import type { Store } from '@newsline/store';
import type { TombstoneGate } from '@newsline/takedowns';
import type Redis from 'ioredis';

/**
 * The check after the upsert. fetch-feed calls enqueueExtract right after it created an
 * article: re-check the gate with a fresh view (any tombstone written before our upsert is
 * seen, whatever the cache says) and delete the article instead of extracting it. With the
 * enforcement writing tombstones before its delete query, an entry stored in between is
 * removed by one side or the other.
 */
export function gatedEnqueueExtract(opts: {
  store: Store;
  redis: Redis;
  gate: TombstoneGate;
  enqueue: (job: ExtractArticleJob) => Promise<void>;
  onBlocked?: (job: ExtractArticleJob) => void;
}): (job: ExtractArticleJob) => Promise<void> {
  return async (job) => {
    // fetch-feed names the source (one article read less per new article); a job without it reads it.
    const sourceId = job.sourceId ?? (await opts.store.Article.findById(job.articleId, { sourceId: 1 }).lean())?.sourceId;
    if (sourceId === undefined) return;
    if (!(await opts.gate.isBlocked(job.url, { sourceId: String(sourceId), fresh: true }))) return opts.enqueue(job);
    const r = await opts.store.Article.deleteOne({ _id: job.articleId });
    if (r.deletedCount) await opts.store.Source.updateOne({ _id: sourceId }, { $inc: { 'counts.articles': -1 } });
    opts.onBlocked?.(job);
    // fetch-feed announces article.added right after this returns, on the same connection:
    // queue the removal behind it so subscribers see added → removed, never the reverse.
    setImmediate(
      () =>
        void opts.redis
          .publish(
            EVENTS_CHANNEL,
            encodeEvent({ type: 'headline.removed', articleId: job.articleId, url: job.url, at: new Date().toISOString() }),
          )
          .catch(() => undefined),
    );
  };
}
