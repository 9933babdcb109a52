import { articleIdFor, canonicalUrl, entryRefIdFor, urlKey } from '@newsline/domain';
import { hubLinksOf, parseFeed, type FeedEntry, type ParsedFeed } from '@newsline/feeds';
import { maybeSubscribe, pushIsLive } from '../websub/subscribe';
import { REINSTATED_VERSION_KEY } from '@newsline/takedowns';
import type { IngestContext } from './context';
import { publishEvent } from './context';
import { errorBackoffSec, nextPollIntervalSec, publisherMinimumSec, updateMeanGap } from './interval';
import { insertAll } from './insert';
import { readSitemap } from './sitemap';
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

  let pf: ParsedFeed;
  if (feed.kind === 'sitemap') {
    const sm = await readSitemap(ctx, res, now);
    if (!sm.ok) return fail(sm.code, sm.message);
    if (sm.refused || sm.childErrors.length)
      ctx.log.info({ feedId, refused: sm.refused, childErrors: sm.childErrors }, 'sitemap urls refused');
    // The stored format is 'sitemap' (below); pf only carries the entries.
    pf = { format: 'rss', entries: sm.entries, charset: 'utf-8', hubs: [] };
  } else {
    const parsed = parseFeed(res.body, {
      url: res.finalUrl,
      contentType: res.contentType,
      contentLocation: res.headers['content-location'],
    });
    if (!parsed.ok) return fail(`feed-${parsed.error.code}`, parsed.error.message);
    pf = parsed.feed;
  }

  const { created, tooOld, blocked, newDates } = await ingestEntries(ctx, { feedId, source, pf, now });

  const meanEntryGapSec = updateMeanGap(feed.stats?.meanEntryGapSec ?? undefined, feed.stats?.lastEntryAt ?? undefined, newDates, now);
  const intervalSec = nextPollIntervalSec({
    prevIntervalSec: feed.intervalSec ?? bounds.minSec,
    meanEntryGapSec,
    newEntries: created,
    publisherMinSec: Math.max(publisherMinSec, (pf.ttlMinutes ?? 0) * 60),
    bounds,
  });
  // A live WebSub subscription delivers new entries, so polling slows to a safety net.
  const live = pushIsLive(feed, now);
  const pollSec = live ? Math.max(intervalSec, config.WEBSUB_POLL_INTERVAL_SEC) : intervalSec;
  const nextPollAt = new Date(now.getTime() + pollSec * 1000);
  const lastEntryAt = newDates.reduce<Date | undefined>((m, d) => (!m || d > m ? d : m), feed.stats?.lastEntryAt ?? undefined);
  await store.Feed.updateOne(
    { _id: feed._id },
    {
      $set: {
        title: pf.title ?? feed.title,
        format: feed.kind === 'sitemap' ? 'sitemap' : pf.format,
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
  // Subscribe to an advertised hub (or renew) after this poll's own write: the hub's verification
  // updates the same document, and two concurrent writers of one document are best avoided.
  const websub = await maybeSubscribe(ctx, feed, hubLinksOf(pf, res.headers.link, res.finalUrl));
  ctx.log.info({ feedId, entries: pf.entries.length, created, tooOld, blocked, intervalSec: pollSec, websub }, 'feed fetched');
  return { kind: 'ok', entries: pf.entries.length, created, tooOld, blocked, nextPollAt };
}

export interface IngestCounts {
  created: number;
  tooOld: number;
  blocked: number;
  /** Dates of the created entries (for the posting-rate estimate). */
  newDates: Date[];
}

/**
 * Stores a parsed feed document's entries: the one path for polled and pushed (WebSub)
 * content, so both get the same identity, takedown gate, `article.added` and extraction.
 */
export async function ingestEntries(
  ctx: IngestContext,
  input: {
    feedId: string;
    source: { _id: unknown; attribution: string; country?: string | null; languages?: string[] | null };
    pf: ParsedFeed;
    now: Date;
  },
): Promise<IngestCounts> {
  const { feedId, source, pf, now } = input;
  const horizon = now.getTime() - ctx.config.ENTRY_HORIZON_DAYS * 86400_000;
  const counts: IngestCounts = { created: 0, tooOld: 0, blocked: 0, newDates: [] };
  const outcomes = await storeEntries(ctx, {
    entries: pf.entries,
    feedId,
    sourceId: String(source._id),
    attribution: source.attribution,
    country: source.country ?? undefined,
    language: (entry) => entry.language ?? pf.language ?? source.languages?.[0],
    horizon,
    now,
  });
  pf.entries.forEach((entry, i) => {
    const r = outcomes[i];
    if (r === 'created') {
      counts.created++;
      if (entry.published ?? entry.updated) counts.newDates.push((entry.published ?? entry.updated)!);
    } else if (r === 'too-old') counts.tooOld++;
    else if (r === 'blocked') counts.blocked++;
  });
  if (counts.created) await ctx.store.Source.updateOne({ _id: source._id }, { $inc: { 'counts.articles': counts.created } });
  return counts;
}

interface EntriesInput {
  entries: FeedEntry[];
  feedId: string;
  sourceId: string;
  attribution: string;
  country?: string;
  language: (entry: FeedEntry) => string | undefined;
  horizon: number;
  now: Date;
}

type EntryOutcome = 'created' | 'exists' | 'too-old' | 'no-link' | 'blocked';

interface Candidate {
  index: number;
  entry: FeedEntry;
  link: string;
  entryRef: string;
  refId: string;
}

/** An entry that passed the seen check, with its document built (URL identity, search terms). */
interface Fresh {
  index: number;
  url: string;
  key: string;
  entryRef: string;
  refId: string;
  doc: Record<string, unknown> & { title: string; publishedAt: Date; language?: string };
}

/** How long a feed remembers the entries it has stored (they stay in its window for a while). */
const SEEN_TTL_SEC = 86_400;

/**
 * Redis set of entry-ref ids a feed has stored, tagged with the reinstatement version it was
 * built in (REINSTATED_VERSION_KEY): enforcement deletes entry refs so a reinstated entry is taken
 * again, and reinstating bumps that version, so a set with another tag is dropped and rebuilt
 * (one key per feed). COMPLETE joins the set once a whole feed window was
 * checked against entry_refs: from then on a miss is a new entry (every stored entry is added
 * right after its ref), so new entries cost no entry_refs lookup (an entry that left the
 * window before the marker and comes back is still caught by its URL identity). Without it
 * (first poll in a version, Redis lost or expired: the marker goes with its set) misses are
 * looked up.
 */
const seenKey = (feedId: string) => `newsline:feed-seen:${feedId}`;
const COMPLETE = '*';

/**
 * Stores a feed's entries with a handful of round trips instead of several per entry: every
 * poll re-reads the whole feed window, so entries already stored are recognised in Redis;
 * new ones are inserted with one unordered insertMany each for articles and entry refs.
 */
async function storeEntries(ctx: IngestContext, e: EntriesInput): Promise<EntryOutcome[]> {
  const { Article, EntryRef } = ctx.store;
  const out: EntryOutcome[] = e.entries.map(() => 'no-link');
  const candidates: Candidate[] = [];
  e.entries.forEach((entry, index) => {
    const link = entry.link ?? (entry.id && /^https?:\/\//.test(entry.id) ? entry.id : undefined);
    if (!link) return;
    const date = entry.published ?? entry.updated;
    if (date && date.getTime() < e.horizon) return void (out[index] = 'too-old');
    candidates.push({ index, entry, link, entryRef: `${e.feedId}:${entry.id}`, refId: entryRefIdFor(e.feedId, entry.id) });
  });
  if (!candidates.length) return out;

  // Already stored? Redis first (one round trip for the window), entry_refs by `_id` for the rest.
  const version = await ctx.redis.get(REINSTATED_VERSION_KEY);
  const seen = seenKey(e.feedId);
  const tag = `v:${version ?? '0'}`;
  const [current, marked, ...found] = await ctx.redis.smismember(seen, tag, COMPLETE, ...candidates.map((c) => c.refId));
  const complete = current && marked;
  const flags = found.map((f) => current && f);
  const unseen = candidates.filter((c, i) => {
    if (flags[i]) out[c.index] = 'exists';
    return !flags[i];
  });
  // Same feed entry id seen before under another URL (re-tracked link): same article.
  const known = complete ? unseen.map(() => false) : await Promise.all(unseen.map((c) => EntryRef.exists({ _id: c.refId })));
  const remembered = unseen.filter((_, i) => known[i]).map((c) => c.refId);
  const fresh: Fresh[] = [];
  const byRef = new Set<string>();
  for (let i = 0; i < unseen.length; i++) {
    const c = unseen[i]!;
    // A feed may list one entry id twice: the first one stands for both.
    if (known[i] || byRef.has(c.refId)) out[c.index] = 'exists';
    else {
      byRef.add(c.refId);
      const f = freshEntry(c, e);
      if (f) fresh.push(f);
    }
  }
  const blockedFlags = await Promise.all(fresh.map((c) => ctx.isBlocked(c.url)));
  const toStore = fresh.filter((c, i) => {
    if (blockedFlags[i]) out[c.index] = 'blocked';
    return !blockedFlags[i];
  });

  // Insert the new articles under their derived ids; a duplicate means the article exists already.
  const ids = toStore.map((c) => articleIdFor(c.key));
  const failed = await insertAll(
    Article,
    toStore.map((c, i) => ({ _id: ids[i], ...c.doc, entryIds: [c.entryRef] })),
  );
  const created = toStore.map((_, i) => !failed.has(i));
  for (const i of failed) {
    const c = toStore[i]!;
    // No timestamps: an updatedAt bump would make every match look modified.
    const r = await Article.updateOne({ _id: ids[i] }, { $addToSet: { entryIds: c.entryRef } }, { timestamps: false });
    // The article already lists this very entry while its ref is missing: an earlier attempt of
    // this job stored it and died before finishing, so announcing and enqueueing may not have
    // happened. Both are redone (at least once: subscribers and the extract queue are idempotent by id).
    if (r.matchedCount && !r.modifiedCount) created[i] = true;
    if (!r.matchedCount) {
      // The URL already belongs to an article under another id (re-keyed by extraction to its
      // canonical URL): record the entry on that article, so the ref below points at it and
      // enforcement, which finds refs through entryIds, removes it with the article.
      const owner = await Article.findOneAndUpdate(
        { urlKey: c.key },
        { $addToSet: { entryIds: c.entryRef } },
        { projection: { _id: 1 } },
      ).lean();
      if (owner) ids[i] = String(owner._id);
    }
  }

  // Announced before the refs are written: a crash in between leaves the entry unseen, and the
  // retry (above) announces it again rather than never.
  for (let i = 0; i < toStore.length; i++) {
    const c = toStore[i]!;
    out[c.index] = created[i] ? 'created' : 'exists';
    if (!created[i]) continue;
    await ctx.enqueueExtract({ articleId: ids[i]!, url: c.url, sourceId: e.sourceId });
    await publishEvent(ctx.redis, {
      type: 'article.added',
      articleId: ids[i]!,
      url: c.url,
      sourceUrl: c.url,
      sourceId: e.sourceId,
      title: c.doc.title,
      language: c.doc.language,
      country: e.country,
      publishedAt: c.doc.publishedAt.toISOString(),
      at: new Date().toISOString(),
    });
  }
  await insertAll(
    EntryRef,
    toStore.map((c, i) => ({ _id: c.refId, articleId: ids[i] })),
  );
  const stored = [tag, ...remembered, ...toStore.map((c) => c.refId), COMPLETE];
  const write = ctx.redis.multi();
  if (!current) write.del(seen);
  await write
    .sadd(seen, ...stored)
    .expire(seen, SEEN_TTL_SEC)
    .exec();
  return out;
}

/**
 * The document of an entry not stored yet. Built only after the seen check: every poll re-reads
 * the whole feed window (40 entries in the soak), and URL canonicalisation and search terms for
 * entries already stored were about half of a poll's CPU. `undefined`: the link is not a URL.
 */
function freshEntry(c: Candidate, e: EntriesInput): Fresh | undefined {
  const { entry } = c;
  let url: string;
  let key: string;
  try {
    url = canonicalUrl(c.link);
    key = urlKey(c.link);
  } catch {
    return undefined;
  }
  const date = entry.published ?? entry.updated;
  const publishedAt = !date || date.getTime() > e.now.getTime() + MAX_FUTURE_MS ? e.now : date;
  const title = entry.title?.trim() || url;
  const language = e.language(entry);
  return {
    index: c.index,
    url,
    key,
    entryRef: c.entryRef,
    refId: c.refId,
    doc: {
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
      language: language?.toLowerCase().split(/[-_]/)[0],
      keywords: entry.categories.slice(0, 20),
      image: entry.image ?? entry.enclosures.find((x) => x.type?.startsWith('image/'))?.url,
      terms: termsFor({ title, summary: entry.summary, language }),
      extraction: { status: 'pending', attempts: 0 },
      version: 0,
    },
  };
}
