import type { Store } from '@newsline/store';

/**
 * One unordered insertMany (one round trip; FerretDB v1 inserts cheaply where updates and
 * upserts scan the collection). Returns the indexes refused as duplicates (code 11000); any
 * other write error is thrown. Mongoose casts, defaults and timestamps the documents as usual;
 * its write errors carry code and index under `err`.
 */
export async function insertAll(
  model: Store['Article'] | Store['EntryRef'],
  docs: Record<string, unknown>[],
): Promise<Set<number>> {
  const dup = new Set<number>();
  if (!docs.length) return dup;
  try {
    await (model as Store['Article']).insertMany(docs, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index?: number; code?: number; err?: { index?: number; code?: number } }[] }).writeErrors;
    if (!writeErrors?.length) throw err;
    for (const w of writeErrors) {
      const code = w.code ?? w.err?.code;
      const index = w.index ?? w.err?.index;
      if (code !== 11000 || index === undefined) throw err;
      dup.add(index);
    }
  }
  return dup;
}
