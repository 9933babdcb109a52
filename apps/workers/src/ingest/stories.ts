import { simhashDistance } from '@newsline/extract';
import type { Store } from '@newsline/store';

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
 */
export async function assignStory(store: Store, articleId: string, simhash: string, publishedAt: Date): Promise<string> {
  const bands = simhashBands(simhash);
  const buckets = await store.StoryBand.find({ _id: { $in: bands } }).lean();
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
  for (const band of bands) {
    const prev = buckets.find((b) => b._id === band)?.members ?? [];
    const members = [...prev.filter((m) => m.articleId !== articleId), member].slice(-BAND_MEMBERS);
    await store.StoryBand.updateOne({ _id: band }, { $set: { members } }, { upsert: true });
  }
  return storyId;
}
