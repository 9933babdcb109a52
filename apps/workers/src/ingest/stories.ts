import { simhashDistance } from '@newsline/extract';
import type { Store } from '@newsline/store';
import { insertAll } from './insert';

/** LSH bands of a 64-bit SimHash: four 16-bit slices; texts within 3 bits share at least one. */
export function simhashBands(simhash: string): string[] {
  const h = simhash.padStart(16, '0');
  return [0, 1, 2, 3].map((i) => `${i}:${h.slice(i * 4, i * 4 + 4)}`);
}

const STORY_WINDOW_MS = 3 * 86400_000;
const MAX_DISTANCE = 3;
const BAND_MEMBERS = 16;

/**
 * Story of an article: the story of the nearest recent near-duplicate, else its own id.
 * Candidates come from four band buckets read by `_id` (FerretDB has no bit operators and
 * would scan for anything else); distances are computed here. The article then joins the
 * buckets, which keep only their latest members.
 * FerretDB v1 costs: `_id: {$in}` scans the collection, one `_id` read does not; an insert is
 * cheap, an update or upsert scans. So: four reads, and a new bucket is inserted, not upserted.
 */
export async function assignStory(store: Store, articleId: string, simhash: string, publishedAt: Date): Promise<string> {
  const bands = simhashBands(simhash);
  const buckets = (await Promise.all(bands.map((id) => store.StoryBand.findById(id).lean()))).filter((b) => b !== null);
  const since = publishedAt.getTime() - STORY_WINDOW_MS;
  let best: { d: number; storyId: string } | undefined;
  for (const b of buckets) {
    for (const m of b.members ?? []) {
      if (!m.simhash || m.articleId === articleId || !m.at || m.at.getTime() < since) continue;
      const d = simhashDistance(simhash, m.simhash);
      if (d <= MAX_DISTANCE && (!best || d < best.d)) best = { d, storyId: m.storyId ?? m.articleId! };
    }
  }
  const storyId = best?.storyId ?? articleId;
  const member = { articleId, simhash, storyId, at: publishedAt };
  const fresh: { _id: string; members: (typeof member)[] }[] = [];
  const writes: Promise<unknown>[] = [];
  for (const band of bands) {
    const prev = buckets.find((b) => b._id === band)?.members;
    if (!prev) {
      fresh.push({ _id: band, members: [member] });
      continue;
    }
    const members = [...prev.filter((m) => m.articleId !== articleId), member].slice(-BAND_MEMBERS);
    writes.push(store.StoryBand.updateOne({ _id: band }, { $set: { members } }));
  }
  if (fresh.length) {
    writes.push(
      insertAll(store.StoryBand, fresh).then(async (taken) => {
        // Created meanwhile by another article: join it as an update.
        for (const i of taken) {
          const band = fresh[i]!._id;
          const b = await store.StoryBand.findById(band).lean();
          const members = [...(b?.members ?? []).filter((m) => m.articleId !== articleId), member].slice(-BAND_MEMBERS);
          await store.StoryBand.updateOne({ _id: band }, { $set: { members } }, { upsert: true });
        }
      }),
    );
  }
  await Promise.all(writes);
  return storyId;
}
