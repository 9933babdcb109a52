import { simhashDistance } from '@newsline/extract';
import type Redis from 'ioredis';

/** LSH bands of a 64-bit SimHash: four 16-bit slices; texts within 3 bits share at least one. */
export function simhashBands(simhash: string): string[] {
  const h = simhash.padStart(16, '0');
  return [0, 1, 2, 3].map((i) => `${i}:${h.slice(i * 4, i * 4 + 4)}`);
}

const STORY_WINDOW_MS = 3 * 86400_000;
const MAX_DISTANCE = 3;
const BAND_MEMBERS = 16;
/** A band no article joined for this long holds nothing a new article could group with. */
const BAND_TTL_SEC = Math.ceil(STORY_WINDOW_MS / 1000) + 86_400;

/** One band bucket: a Redis list, newest first, of JSON members (per database, like the data it indexes). */
export const bandKey = (db: string, band: string) => `newsline:story-band:${db}:${band}`;

interface BandMember {
  /** article id */
  a: string;
  /** simhash */
  s: string;
  /** story id */
  t: string;
  /** published at, ms */
  at: number;
}

function parseMember(raw: string): BandMember | undefined {
  try {
    const m = JSON.parse(raw) as BandMember;
    return typeof m.a === 'string' && typeof m.s === 'string' && typeof m.t === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The members of band buckets, one list per key, in one round trip. */
async function readBands(redis: Redis, keys: string[]): Promise<string[][]> {
  const read = redis.pipeline();
  for (const k of keys) read.lrange(k, 0, -1);
  return ((await read.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as string[];
  });
}

/**
 * Story of an article: the story of the nearest recent near-duplicate, else its own id.
 * Candidates come from the article's four SimHash band buckets; distances are computed here.
 * The article then joins the buckets, which keep their latest BAND_MEMBERS members.
 * Buckets live in Redis (one round trip to read all four, one to join them): they are derived,
 * best-effort grouping data that every extraction reads and writes, and FerretDB v1 would cost
 * eight operations per article and lose concurrent updates of one bucket. An article's story
 * id is stored on the article; losing the buckets only means later near-duplicates start a new story.
 */
export async function assignStory(redis: Redis, db: string, articleId: string, simhash: string, publishedAt: Date): Promise<string> {
  const keys = simhashBands(simhash).map((b) => bandKey(db, b));
  const lists = await readBands(redis, keys);
  const since = publishedAt.getTime() - STORY_WINDOW_MS;
  let best: { d: number; storyId: string } | undefined;
  for (const raw of lists.flat()) {
    const m = parseMember(raw);
    if (!m || m.a === articleId || m.at < since) continue;
    const d = simhashDistance(simhash, m.s);
    if (d <= MAX_DISTANCE && (!best || d < best.d)) best = { d, storyId: m.t };
  }
  const storyId = best?.storyId ?? articleId;
  const member = JSON.stringify({ a: articleId, s: simhash, t: storyId, at: publishedAt.getTime() } satisfies BandMember);
  const write = redis.multi();
  keys.forEach((k, i) => {
    // A re-extraction replaces the article's earlier entry rather than adding a second one.
    for (const raw of lists[i]!) if (parseMember(raw)?.a === articleId) write.lrem(k, 0, raw);
    write.lpush(k, member).ltrim(k, 0, BAND_MEMBERS - 1).expire(k, BAND_TTL_SEC);
  });
  await write.exec();
  return storyId;
}

/** Takes removed articles out of their band buckets (takedown enforcement). Idempotent. */
export async function leaveStories(redis: Redis, db: string, articles: { id: string; simhash?: string }[]): Promise<void> {
  const ids = new Set(articles.map((a) => a.id));
  const keys = [...new Set(articles.flatMap((a) => (a.simhash ? simhashBands(a.simhash) : [])))].map((b) => bandKey(db, b));
  if (!keys.length) return;
  const lists = await readBands(redis, keys);
  const write = redis.pipeline();
  keys.forEach((k, i) => {
    for (const raw of lists[i]!) if (ids.has(parseMember(raw)?.a ?? '')) write.lrem(k, 0, raw);
  });
  if (write.length) await write.exec();
}
