import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { derivedId } from '@newsline/domain';
import { retryOnDeadlock, type Store } from '@newsline/store';

/** A publisher and its feeds, as written in SOURCES_FILE or the demo catalog. */
export const sourceSpec = z.object({
  key: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  homepage: z.string().url(),
  country: z.string().length(2).optional(),
  languages: z.array(z.string()).default([]),
  attribution: z.string().min(1).max(500),
  verifiedContacts: z.array(z.string().email()).default([]),
  feeds: z.array(z.string().url()).min(1),
});
export type SourceSpec = z.infer<typeof sourceSpec>;

export function readSourcesFile(path: string): SourceSpec[] {
  const parsed = z.array(sourceSpec).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * Upserts sources by key and feeds by URL; running it twice changes nothing. Ids derive from
 * those natural keys so each upsert is an `_id` lookup (FerretDB scans for anything else).
 */
export async function registerSources(store: Store, specs: SourceSpec[]): Promise<{ sources: number; feeds: number }> {
  // Every worker registers the file at start: concurrent upserts can deadlock on PostgreSQL (a
  // worker of the soak died of it). Each step is idempotent, so the whole pass is tried again.
  return retryOnDeadlock(() => registerOnce(store, specs));
}

async function registerOnce(store: Store, specs: SourceSpec[]): Promise<{ sources: number; feeds: number }> {
  let feeds = 0;
  for (const s of specs) {
    const { feeds: urls, ...fields } = s;
    const id = derivedId('source', s.key);
    const find = async () => (await store.Source.findOne({ _id: id }).lean()) ?? (await store.Source.findOne({ key: s.key }).lean());
    const src =
      (await find()) ??
      (await store.Source.create({ _id: id, ...fields }).then(
        (d) => d.toObject(),
        // Another process registering the same file at the same moment created it first.
        async (err: { code?: number }) => (err.code === 11000 ? await find() : Promise.reject(err)),
      ));
    if (!src) throw new Error(`source ${s.key}: neither created nor found`);
    for (const url of urls) {
      const r = await store.Feed.updateOne(
        { _id: derivedId('feed', url) },
        { $setOnInsert: { url, sourceId: src._id, nextPollAt: new Date() } },
        { upsert: true },
      ).catch((err: { code?: number }) => {
        // The URL is already registered under another id (added through the API): nothing to do.
        if (err.code === 11000) return { upsertedId: null };
        throw err;
      });
      if (r.upsertedId) {
        feeds++;
        await store.Source.updateOne({ _id: src._id }, { $inc: { 'counts.feeds': 1 } });
      }
    }
  }
  return { sources: specs.length, feeds };
}
