import { articleIdFor, canonicalUrl, entryRefIdFor, urlKey } from '@newsline/domain';
import { parseFeed, type FeedEntry } from '@newsline/feeds';
import type { IngestContext } from './context';
import { publishEvent } from './context';
import { errorBackoffSec, nextPollIntervalSec, publisherMinimumSec, updateMeanGap } from './interval';
import { termsFor } from './terms';

export type FetchOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'not-modified' }
  | { kind: 'error'; code: string; message: string; nextPollAt: Date }
  | { kind: 'ok'; entries: number; created: number; tooOld: number; blocked: number; nextPollAt: Date };

const MAX_FUTURE_MS = 3600_000;

/**
 * Polls one feed and stores its new entries. Idempotent: entries are upserted by URL identity
 * (urlKey) and recognised by (feed, entry id) too, so a re-run, a changed GUID with the same URL,
 * or the same GUID with a re-tracked URL all land on one article.
 */
export async function fetchFeed(ctx: IngestContext, feedId: string): Promise<FetchOutcome> {
  const { store, config } = ctx;
  const feed = await store.Feed.findById(feedId).lean();
  if (!feed) return { kind: 'skipped', reason: 'feed not found' };
  const source = await store.Source.findById(feed.sourceId).lean();
  if (!source) return { kind: 'skipped', reason: 'source not found' };
  if (feed.paused || source.paused) return { kind: 'skipped', reason: 'paused' };
  const bounds = { minSec: config.FEED_MIN_INTERVAL_SEC, maxSec: config.FEED_MAX_INTERVAL_SEC };
  const now = ctx.now();

  const fail = async (code: string, message: string, retryAfterMs?: number, countsAsError = true): Promise<FetchOutcome> => {
    const errors = countsAsError ? (feed.consecutiveErrors ?? 0) + 1 : (feed.consecutiveErrors ?? 0);
    const waitSec = countsAsError
      ? errorBackoffSec({ consecutiveErrors: errors, intervalSec: feed.intervalSec ?? bounds.minSec, retryAfterMs, bounds })
      : Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000));
    const nextPollAt = new Date(now.getTime() + waitSec * 1000);
    await store.Feed.updateOne(
      { _id: feed._id },
      {
        $set: {
          lastFetchAt: now,
          nextPollAt,
          consecutiveErrors: errors,
          ...(countsAsError ? { lastError: `${code}: ${message}`.slice(0, 500), lastErrorAt: now } : {}),
        },
        $inc: { 'stats.fetches': 1 },
      },
    );
    ctx.log.info({ feedId, code, message, nextPollAt }, 'feed fetch failed');
    return { kind: 'error', code, message, nextPollAt };
  };

  if (await ctx.isBlocked(feed.url)) return fail('blocked', 'feed URL is under a takedown', undefined);

  const res = await ctx.http.fetch(feed.url, { kind: 'feed', etag: feed.etag ?? undefined, lastModified: feed.lastModified ?? undefined });
  if (res.kind === 'error') {
    // A host-wide backoff or our own slot wait is not the feed's fault: reschedule, no error count.
    const own = res.error.code === 'host-backoff' || (res.error.code === 'rate-limited' && res.error.status === undefined);
    return fail(res.error.code, res.error.message, res.error.retryAfterMs, !own);
  }
  const publisherMinSec = publisherMinimumSec({ cacheControl: res.headers['cache-control'], expires: res.headers.expires, now });
  if (res.kind === 'not-modified') {
    const intervalSec = nextPollIntervalSec({
      prevIntervalSec: feed.intervalSec ?? bounds.minSec,
      newEntries: 0,
      publisherMinSec,
      bounds,
      meanEntryGapSec: feed.stats?.meanEntryGapSec ?? undefined,
    });
    await store.Feed.updateOne(
      { _id: feed._id },
      {
        $set: {
          lastFetchAt: now,
          lastSuccessAt: now,
          lastStatus: 304,
          consecutiveErrors: 0,
          intervalSec,
          nextPollAt: new Date(now.getTime() + intervalSec * 1000),
        },
        $inc: { 'stats.fetches': 1 },
      },
    );
    return { kind: 'not-modified' };
  }

  const parsed = parseFeed(res.body, { url: res.finalUrl, contentType: res.contentType, contentLocation: res.headers['content-location'] });
  if (!parsed.ok) return fail(`feed-${parsed.error.code}`, parsed.error.message);
  const pf = parsed.feed;

  const horizon = now.getTime() - config.ENTRY_HORIZON_DAYS * 86400_000;
  let created = 0;
  let tooOld = 0;
  let blocked = 0;
  const newDates: Date[] = [];
  for (const entry of pf.entries) {
    const r = await storeEntry(ctx, {
      entry,
      feedId,
      sourceId: String(source._id),
      attribution: source.attribution,
      country: source.country ?? undefined,
      language: entry.language ?? pf.language ?? source.languages?.[0],
      horizon,
      now,
    });
    if (r === 'created') {
      created++;
      if (entry.published ?? entry.updated) newDates.push((entry.published ?? entry.updated)!);
    } else if (r === 'too-old') tooOld++;
    else if (r === 'blocked') blocked++;
  }

  const meanEntryGapSec = updateMeanGap(feed.stats?.meanEntryGapSec ?? undefined, feed.stats?.lastEntryAt ?? undefined, newDates, now);
  const intervalSec = nextPollIntervalSec({
    prevIntervalSec: feed.intervalSec ?? bounds.minSec,
    meanEntryGapSec,
    newEntries: created,
    publisherMinSec: Math.max(publisherMinSec, (pf.ttlMinutes ?? 0) * 60),
    bounds,
  });
  const nextPollAt = new Date(now.getTime() + intervalSec * 1000);
  const lastEntryAt = newDates.reduce<Date | undefined>((m, d) => (!m || d > m ? d : m), feed.stats?.lastEntryAt ?? undefined);
  await store.Feed.updateOne(
    { _id: feed._id },
    {
      $set: {
        title: pf.title ?? feed.title,
        format: pf.format,
        etag: res.etag,
        lastModified: res.lastModified,
        lastFetchAt: now,
        lastSuccessAt: now,
        lastStatus: res.status,
        consecutiveErrors: 0,
        intervalSec,
        nextPollAt,
        ...(meanEntryGapSec !== undefined ? { 'stats.meanEntryGapSec': meanEntryGapSec } : {}),
        ...(lastEntryAt ? { 'stats.lastEntryAt': lastEntryAt } : {}),
      },
      $unset: { lastError: 1 },
      $inc: { 'stats.fetches': 1, 'stats.entriesSeen': pf.entries.length, 'stats.newEntries': created },
    },
  );
  if (created) await store.Source.updateOne({ _id: source._id }, { $inc: { 'counts.articles': created } });
  ctx.log.info({ feedId, entries: pf.entries.length, created, tooOld, blocked, intervalSec }, 'feed fetched');
  return { kind: 'ok', entries: pf.entries.length, created, tooOld, blocked, nextPollAt };
}

interface EntryInput {
  entry: FeedEntry;
  feedId: string;
  sourceId: string;
  attribution: string;
  country?: string;
  language?: string;
  horizon: number;
  now: Date;
}

async function storeEntry(ctx: IngestContext, e: EntryInput): Promise<'created' | 'exists' | 'too-old' | 'no-link' | 'blocked'> {
  const { entry, now } = e;
  const link = entry.link ?? (entry.id && /^https?:\/\//.test(entry.id) ? entry.id : undefined);
  if (!link) return 'no-link';
  let url: string;
  let key: string;
  try {
    url = canonicalUrl(link);
    key = urlKey(link);
  } catch {
    return 'no-link';
  }
  const date = entry.published ?? entry.updated;
  if (date && date.getTime() < e.horizon) return 'too-old';
  const entryRef = `${e.feedId}:${entry.id}`;
  const refId = entryRefIdFor(e.feedId, entry.id);
  const { Article, EntryRef } = ctx.store;
  // Same feed entry id seen before under another URL (re-tracked link): same article.
  if (await EntryRef.exists({ _id: refId })) return 'exists';
  if (await ctx.isBlocked(url)) return 'blocked';
  const publishedAt = !date || date.getTime() > now.getTime() + MAX_FUTURE_MS ? now : date;
  const title = entry.title?.trim() || url;
  const doc = {
    urlKey: key,
    url,
    sourceUrl: url,
    attribution: e.attribution,
    sourceId: e.sourceId,
    feedId: e.feedId,
    country: e.country,
    title,
    summary: entry.summary ?? entry.content,
    authors: entry.authors,
    publishedAt,
    language: e.language?.toLowerCase().split(/[-_]/)[0],
    keywords: entry.categories.slice(0, 20),
    image: entry.image ?? entry.enclosures.find((x) => x.type?.startsWith('image/'))?.url,
    terms: termsFor({ title, summary: entry.summary, language: e.language }),
    extraction: { status: 'pending', attempts: 0 },
    version: 0,
  };
  let id = articleIdFor(key);
  let created = false;
  try {
    // Upsert by the derived _id: FerretDB finds it without a scan; the urlKey index stays unique.
    const r = await Article.updateOne({ _id: id }, { $setOnInsert: doc, $addToSet: { entryIds: entryRef } }, { upsert: true });
    created = !!r.upsertedId;
  } catch (err) {
    // The URL already belongs to an article under another id (re-keyed by extraction to its
    // canonical URL): record the entry on that article, so the ref below points at it and
    // enforcement, which finds refs through entryIds, removes it with the article.
    if ((err as { code?: number }).code !== 11000) throw err;
    // No projection: FerretDB v1 does not implement findAndModify's `fields`.
    const owner = await Article.findOneAndUpdate({ urlKey: key }, { $addToSet: { entryIds: entryRef } }).lean();
    if (owner) id = String(owner._id);
  }
  await EntryRef.updateOne({ _id: refId }, { $setOnInsert: { articleId: id } }, { upsert: true }).catch((err: { code?: number }) => {
    if (err.code !== 11000) throw err;
  });
  if (!created) return 'exists';
  const createdId = id;
  await ctx.enqueueExtract({ articleId: createdId, url });
  await publishEvent(ctx.redis, {
    type: 'article.added',
    articleId: createdId,
    url,
    sourceUrl: url,
    sourceId: e.sourceId,
    title,
    language: doc.language,
    country: e.country,
    publishedAt: publishedAt.toISOString(),
    at: new Date().toISOString(),
  });
  return 'created';
}
