import { z } from 'zod';

/** One Redis pub/sub channel carries every article event; subscribers filter on `type`. */
export const EVENTS_CHANNEL = 'newsline:events';

const headline = z.object({
  articleId: z.string(),
  url: z.string(),
  sourceUrl: z.string(),
  sourceId: z.string(),
  title: z.string(),
  language: z.string().optional(),
  country: z.string().optional(),
  section: z.string().optional(),
  publishedAt: z.string().datetime(),
});

export const articleEvent = z.discriminatedUnion('type', [
  headline.extend({ type: z.literal('article.added'), at: z.string().datetime() }),
  headline.extend({ type: z.literal('article.updated'), at: z.string().datetime() }),
  z.object({ type: z.literal('headline.removed'), articleId: z.string(), url: z.string(), at: z.string().datetime() }),
]);
export type ArticleEvent = z.infer<typeof articleEvent>;
export type HeadlineEvent = Extract<ArticleEvent, { type: 'article.added' | 'article.updated' }>;

export function encodeEvent(e: ArticleEvent): string {
  return JSON.stringify(articleEvent.parse(e));
}

/** Returns undefined for messages that do not match the contract, so one bad publisher cannot break subscribers. */
export function decodeEvent(raw: string): ArticleEvent | undefined {
  try {
    const r = articleEvent.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
