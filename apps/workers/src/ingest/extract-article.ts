import { decodeBytes } from '@newsline/charset';
import { canonicalUrl, domainsOf, urlKey } from '@newsline/domain';
import { extractArticle, publisherSignals } from '@newsline/extract';
import type { IngestContext } from './context';
import { publishEvent } from './context';
import { assignStory } from './stories';
import { termsFor } from './terms';

export type ExtractOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'stored'; articleId: string; status: 'ok' | 'restricted'; merged: boolean }
  | { kind: 'failed'; articleId: string; reason: string; final: boolean }
  | { kind: 'blocked'; articleId: string };

/** Thrown to make BullMQ retry the job later; carries the reason for the final failure record. */
export class RetryableExtractError extends Error {
  /** The server's or the host limiter's own wait, when it gave one (Retry-After, host backoff). */
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Fetches, decodes and extracts one article page, then stores the result under the page's
 * canonical URL. Idempotent: a finished article is skipped; a page whose canonical URL
 * already belongs to another article is merged into it (the pending duplicate is removed).
 * `final` is true on the last allowed attempt: failures are then recorded, not retried.
 */
export async function extractAndStore(ctx: IngestContext, articleId: string, final: boolean): Promise<ExtractOutcome> {
  const { Article, Source } = ctx.store;
  const article = await Article.findById(articleId).lean();
  if (!article) return { kind: 'skipped', reason: 'article not found' };
  if (article.extraction?.status === 'ok' || article.extraction?.status === 'restricted')
    return { kind: 'skipped', reason: 'already extracted' };

  const markFailed = async (reason: string, retryable: boolean, retryAfterMs?: number): Promise<ExtractOutcome> => {
    if (retryable && !final) {
      await Article.updateOne({ _id: article._id }, { $inc: { 'extraction.attempts': 1 }, $set: { 'extraction.reason': reason } });
      throw new RetryableExtractError(reason, retryAfterMs);
    }
    // The feed's own title and summary stay; the article is served with what we have.
    await Article.updateOne(
      { _id: article._id },
      {
        $set: { 'extraction.status': 'failed', 'extraction.reason': reason.slice(0, 500), 'extraction.at': ctx.now() },
        $inc: { 'extraction.attempts': 1 },
      },
    );
    return { kind: 'failed', articleId, reason, final: true };
  };

  if (await ctx.isBlocked(article.url)) return removeBlocked(ctx, articleId, article.url);
  const res = await ctx.http.fetch(article.url, { kind: 'page' });
  if (res.kind === 'not-modified') return markFailed('unexpected 304 without validators', false);
  if (res.kind === 'error') return markFailed(`${res.error.code}: ${res.error.message}`, res.error.retryable, res.error.retryAfterMs);

  const decoded = decodeBytes(res.body, { contentType: res.contentType, kind: 'html' });
  const ex = extractArticle(decoded.text, res.finalUrl, { contentLanguage: res.headers['content-language'] });
  if (!ex.ok) return markFailed(`extract-${ex.error.code}: ${ex.error.message}`, false);
  const a = ex.article;

  let canonical: string;
  try {
    canonical = canonicalUrl(a.canonicalUrl || res.finalUrl);
  } catch {
    canonical = canonicalUrl(res.finalUrl);
  }
  // The page may name a canonical URL that differs from the feed link: check it again.
  if (await ctx.isBlocked(canonical)) return removeBlocked(ctx, articleId, article.url);
  const source = await sourcePolicy(ctx, String(article.sourceId));
  const signals = publisherSignals(decoded.text, res.headers);
  const restricted = (source?.policy?.respectRestrictions ?? true) && signals.reasons.length > 0;

  const publishedAt = a.publishedAt && a.publishedAt.getTime() <= ctx.now().getTime() + 3600_000 ? a.publishedAt : article.publishedAt;
  const title = a.title || article.title;
  const language = (a.language ?? article.language ?? undefined)?.toLowerCase().split(/[-_]/)[0];
  const fields = {
    title,
    url: canonical,
    domains: domainsOf(canonical),
    sourceUrl: canonical,
    authors: a.authors.length ? a.authors : article.authors,
    publishedAt,
    modifiedAt: a.modifiedAt,
    language,
    section: a.section,
    keywords: a.keywords.length ? a.keywords.slice(0, 30) : article.keywords,
    image: a.image ?? article.image,
    siteName: a.siteName,
    paywalled: a.paywalled,
    summary: article.summary || a.description,
    body: restricted ? undefined : a.html,
    text: restricted ? undefined : a.text,
    wordCount: a.wordCount,
    textHash: a.textHash,
    simhash: a.simhash,
    terms: termsFor({ title, summary: article.summary ?? a.description, text: restricted ? undefined : a.text, language }),
    extraction: {
      status: restricted ? 'restricted' : 'ok',
      reason: restricted ? signals.reasons.join(', ') : undefined,
      attempts: (article.extraction?.attempts ?? 0) + 1,
      at: ctx.now(),
    },
  };

  const key = urlKey(canonical);
  let targetId = articleId;
  let merged = false;
  if (key !== article.urlKey) {
    const other = await Article.findOne({ urlKey: key }, { _id: 1, urlKey: 1, version: 1, modifiedAt: 1 }).lean();
    if (other) {
      // The canonical page is already stored: fold this entry into it and drop the duplicate.
      targetId = String(other._id);
      merged = true;
      const newer = !other.modifiedAt || !a.modifiedAt || a.modifiedAt >= other.modifiedAt;
      await Article.updateOne(
        { _id: other._id },
        {
          ...(newer ? { $set: { ...fields, version: (other.version ?? 0) + 1 } } : {}),
          $addToSet: { entryIds: { $each: article.entryIds ?? [] } },
        },
      );
      await Article.deleteOne({ _id: article._id });
      await Source.updateOne({ _id: article.sourceId }, { $inc: { 'counts.articles': -1 } });
      await publishEvent(ctx.redis, { type: 'headline.removed', articleId, url: article.url, at: new Date().toISOString() });
    }
  }
  if (!merged) {
    const storyId = await assignStory(ctx.redis, ctx.store.conn.name, articleId, a.simhash, publishedAt);
    // A newer stored version is never overwritten by an older page (modifiedAt decides).
    const older = !!(a.modifiedAt && article.modifiedAt && a.modifiedAt < article.modifiedAt);
    try {
      if (!older) await Article.updateOne({ _id: article._id }, { $set: { ...fields, urlKey: key, storyId }, $inc: { version: 1 } });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      // Lost a race for the canonical key: run again and merge into the winner.
      throw new RetryableExtractError('canonical URL taken concurrently');
    }
    // The check after the upsert: a tombstone written since the check above (its enforcement may
    // have looked for this article before it carried the canonical key) is honoured here.
    if (await ctx.isBlocked(canonical)) return removeBlocked(ctx, articleId, article.url);
  }
  await publishEvent(ctx.redis, {
    type: 'article.updated',
    articleId: targetId,
    url: canonical,
    sourceUrl: canonical,
    sourceId: String(article.sourceId),
    title,
    language,
    country: article.country ?? undefined,
    section: a.section,
    publishedAt: publishedAt.toISOString(),
    at: new Date().toISOString(),
  });
  return { kind: 'stored', articleId: targetId, status: restricted ? 'restricted' : 'ok', merged };
}

/** How long a source's restriction policy is reused; a change applies to extractions after that. */
const POLICY_TTL_MS = 10_000;
const policies = new WeakMap<
  object,
  Map<string, { at: number; source: { policy?: { respectRestrictions?: boolean | null } | null } | null }>
>();

/** The source's policy, read once per TTL per process instead of once per article. */
async function sourcePolicy(ctx: IngestContext, sourceId: string) {
  let byId = policies.get(ctx.store);
  if (!byId) policies.set(ctx.store, (byId = new Map()));
  const hit = byId.get(sourceId);
  if (hit && Date.now() - hit.at < POLICY_TTL_MS) return hit.source;
  const source = await ctx.store.Source.findById(sourceId, { policy: 1 }).lean();
  if (byId.size > 10_000) byId.clear();
  byId.set(sourceId, { at: Date.now(), source });
  return source;
}

async function removeBlocked(ctx: IngestContext, articleId: string, url: string): Promise<ExtractOutcome> {
  const r = await ctx.store.Article.deleteOne({ _id: articleId });
  if (r.deletedCount) await publishEvent(ctx.redis, { type: 'headline.removed', articleId, url, at: new Date().toISOString() });
  return { kind: 'blocked', articleId };
}
