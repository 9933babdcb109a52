import { z } from 'zod';

/** BullMQ queue names: the contract between the scheduler, the workers and the admin tools. */
export const QUEUES = {
  fetch: 'feed-fetch',
  extract: 'article-extract',
  takedown: 'takedown',
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-hex ObjectId');

export const fetchFeedJob = z.object({ feedId: objectId, reason: z.enum(['scheduled', 'manual']).default('scheduled') });
export type FetchFeedJob = z.infer<typeof fetchFeedJob>;

export const extractArticleJob = z.object({
  articleId: objectId,
  url: z.string().url(),
  /** The article's source, when the enqueuer knows it (saves the takedown gate a read of the article). */
  sourceId: objectId.optional(),
});
export type ExtractArticleJob = z.infer<typeof extractArticleJob>;

export const takedownJob = z.object({ requestId: objectId });
export type TakedownJob = z.infer<typeof takedownJob>;

/**
 * Job ids make enqueueing idempotent: BullMQ ignores an add whose id already exists. A fetch
 * job id carries its due time so each scheduled poll is distinct but re-scheduling is not.
 */
export const jobIds = {
  fetch: (feedId: string, dueAt: number | string) => `fetch-${feedId}-${dueAt}`,
  extract: (articleId: string) => `extract-${articleId}`,
  takedown: (requestId: string) => `takedown-${requestId}`,
};
