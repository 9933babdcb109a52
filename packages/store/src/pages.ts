import type { Store } from './index';
import { Types } from 'mongoose';

/**
 * Index-backed keyset pages of articles, newest first by (publishedAt, _id).
 *
 * DocumentDB's RUM indexes find rows (bitmap scans) but do not return them in index order: a
 * sorted query reads and sorts every match. An open-ended page (`publishedAt < cursor`, or the
 * first page) would sort the whole archive. So a page is read in time windows, newest first:
 * each query is bounded to [lo, hi) on publishedAt, served by the (field, publishedAt, _id)
 * composite index of its filter, and reads only that window's matches; the window grows 4x until
 * the page is full. The first window is sized from the archive's density to hold a few pages.
 * Search terms (a multikey array): a query with at most RARE_LIMIT matches reads those through
 * the terms index (ids and dates only) and sorts them here; a commoner one is read in windows,
 * the terms being a condition on the window's rows. The same queries run on MongoDB.
 */
export interface PageQuery {
  sourceIds?: Types.ObjectId[];
  languages?: string[];
  countries?: string[];
  section?: string;
  storyId?: string;
  from?: Date;
  to?: Date;
  terms?: string[];
  /** Matches nothing (a query without searchable words). */
  none?: boolean;
}

export interface Cursor {
  t: number;
  id: string;
}

/**
 * The article indexes the pages name in `hint` (packages/store declares the same keys): the
 * filter's most selective equality field leads, then the headlines' order. Hinted because on a
 * small collection PostgreSQL's planner may pick a sequential scan, and on a large one the wrong
 * index; a query never reads the collection whole.
 */
export const PAGE_INDEXES = {
  time: { publishedAt: -1, _id: -1 },
  sourceId: { sourceId: 1, publishedAt: -1, _id: -1 },
  section: { section: 1, publishedAt: -1, _id: -1 },
  country: { country: 1, publishedAt: -1, _id: -1 },
  language: { language: 1, publishedAt: -1, _id: -1 },
  terms: { terms: 1 },
  story: { storyId: 1, publishedAt: -1, _id: -1 },
} as const;

/** The index of the most selective filter field we can tell without counting. */
function indexFor(q: PageQuery): (typeof PAGE_INDEXES)[keyof typeof PAGE_INDEXES] {
  if (q.storyId !== undefined) return PAGE_INDEXES.story;
  if (q.sourceIds?.length) return PAGE_INDEXES.sourceId;
  if (q.section !== undefined) return PAGE_INDEXES.section;
  if (q.countries?.length) return PAGE_INDEXES.country;
  if (q.languages?.length) return PAGE_INDEXES.language;
  return PAGE_INDEXES.time;
}

/** Matches read through the terms index before a query counts as common (sorted here when fewer). */
export const RARE_LIMIT = 2_000;
/** Windows grow by this factor; an empty one costs one index probe. After MAX_WINDOWS (4^24 first windows: centuries) the last is open-ended. */
const GROWTH = 4;
const MAX_WINDOWS = 24;
const SORT = { publishedAt: -1, _id: -1 } as const;
/** Articles one millisecond may hold before the cursor read falls back to an _id range. */
export const SAME_MS_LIMIT = 64;
const MIN_DATE = -8.64e15;
type Row = { _id: Types.ObjectId; publishedAt: Date; [k: string]: unknown };

function newer(a: Row, b: Row): number {
  const d = b.publishedAt.getTime() - a.publishedAt.getTime();
  return d !== 0 ? d : String(b._id) < String(a._id) ? -1 : String(b._id) > String(a._id) ? 1 : 0;
}

function conditions(q: PageQuery): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (q.sourceIds?.length) r.sourceId = { $in: q.sourceIds };
  if (q.section !== undefined) r.section = q.section;
  if (q.storyId !== undefined) r.storyId = q.storyId;
  if (q.countries?.length) r.country = { $in: q.countries };
  // `$in: [null]` matches a missing language, as the in-memory matcher does.
  if (q.languages?.length) r.language = { $in: q.languages };
  if (q.terms?.length) r.terms = { $all: q.terms };
  return r;
}

/** Articles per millisecond of publishedAt (cached a minute): the last hour's rate, or the whole archive spread over a year if higher. */
const density = new WeakMap<Store, { at: number; perMs: number }>();
const HOUR = 3_600_000;
/** Ids read to measure the last hour's rate (a bound, not a sample: 20k an hour is ~480k a day). */
const RATE_PROBE = 20_000;
async function archiveDensity(store: Store): Promise<number> {
  const c = density.get(store);
  if (c && Date.now() - c.at < 60_000) return c.perMs;
  // Over-estimating density only makes the first window smaller (one more cheap query); under-
  // estimating makes it hold many pages, all read and sorted. A year-long spread under-estimates
  // a young or busy archive badly, so the newest hour's rate counts too.
  const now = Date.now();
  const [total, lastHour] = await Promise.all([
    store.Article.estimatedDocumentCount(),
    store.Article.find({ publishedAt: { $gte: new Date(now - HOUR), $lt: new Date(now + 86_400_000) } }, { _id: 1 })
      .limit(RATE_PROBE)
      .hint(PAGE_INDEXES.time)
      .lean(),
  ]);
  const perMs = Math.max(total, 1) / (365 * 86_400_000);
  const recent = lastHour.length / HOUR;
  density.set(store, { at: now, perMs: Math.max(perMs, recent) });
  return Math.max(perMs, recent);
}

export async function pageOfArticles(
  store: Store,
  q: PageQuery,
  first: number,
  cursor: Cursor | undefined,
  select: string,
): Promise<Row[]> {
  if (q.none) return [];
  const want = first + 1;
  if (q.terms?.length) {
    const rare = await rareTermsPage(store, q, want, cursor, select);
    if (rare) return rare;
  }
  const base = conditions(q);
  const hint = indexFor(q);
  const out: Row[] = [];
  if (cursor) {
    // Same publishedAt as the cursor, smaller _id: the rest of the cursor's millisecond.
    const t = new Date(cursor.t);
    if ((!q.from || t >= q.from) && (!q.to || t < q.to)) {
      const before = new Types.ObjectId(cursor.id);
      // An equality read of the millisecond, filtered here: on RUM an _id range inside it
      // costs a recheck per key (4–57 ms at 1M); a millisecond rarely holds more than a few.
      const limit = SAME_MS_LIMIT;
      const same = (await store.Article.find({ ...base, publishedAt: t })
        .select(select)
        .sort(SORT)
        .limit(limit)
        .hint(hint)
        .lean()) as unknown as Row[];
      const rest =
        same.length < limit
          ? same.filter((r) => r._id.toHexString() < before.toHexString())
          : ((await store.Article.find({ ...base, publishedAt: t, _id: { $lt: before } })
              .select(select)
              .sort(SORT)
              .limit(want)
              .hint(hint)
              .lean()) as unknown as Row[]);
      out.push(...rest.slice(0, want));
    }
  }
  const perMs = await archiveDensity(store);
  // From a day ahead of now (publishers' clocks run ahead), back in time.
  let hi = Math.min(cursor?.t ?? Infinity, q.to?.getTime() ?? Infinity, Date.now() + 86_400_000);
  const floor = q.from?.getTime() ?? -Infinity;
  // Sized to hold four pages if every article matched.
  let span = Math.max(60_000, (4 * want) / perMs);
  for (let i = 0; out.length < want && hi > floor; i++) {
    // Past the earliest date a Date holds, the window is open-ended.
    const lo = i + 1 >= MAX_WINDOWS || hi - span < MIN_DATE ? floor : Math.max(floor, hi - span);
    const range: Record<string, Date> = { $lt: new Date(hi) };
    if (Number.isFinite(lo)) range.$gte = new Date(lo);
    const rows = (await store.Article.find({ ...base, publishedAt: range })
      .select(select)
      .sort(SORT)
      .limit(want - out.length)
      .hint(hint)
      .lean()) as unknown as Row[];
    out.push(...rows);
    hi = lo;
    // An empty window says little about density: grow faster past it.
    span *= rows.length ? GROWTH : GROWTH * GROWTH;
  }
  return out.slice(0, want);
}

/** Terms with at most RARE_LIMIT matches: their ids and dates through the terms index, sorted here. */
async function rareTermsPage(
  store: Store,
  q: PageQuery,
  want: number,
  cursor: Cursor | undefined,
  select: string,
): Promise<Row[] | undefined> {
  const filter: Record<string, unknown> = conditions(q);
  if (q.from || q.to) filter.publishedAt = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) };
  const hits = (await store.Article.find(filter, { _id: 1, publishedAt: 1 })
    .limit(RARE_LIMIT + 1)
    .hint(PAGE_INDEXES.terms)
    .lean()) as unknown as Row[];
  if (hits.length > RARE_LIMIT) return undefined;
  hits.sort(newer);
  const after = cursor ? { _id: new Types.ObjectId(cursor.id), publishedAt: new Date(cursor.t) } : undefined;
  const page = (after ? hits.filter((h) => newer(after, h) < 0) : hits).slice(0, want);
  if (page.length === 0) return [];
  const docs = (await store.Article.find({ _id: { $in: page.map((h) => h._id) } })
    .select(select)
    .hint({ _id: 1 })
    .lean()) as unknown as Row[];
  return docs.sort(newer);
}
