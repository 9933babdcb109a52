import mongoose, { type Connection, type Model } from 'mongoose';
import { articleSchema, type ArticleDoc } from './models/article';
import { feedSchema, type FeedDoc } from './models/feed';
import { sourceSchema, type SourceDoc } from './models/source';
import { entryRefSchema, type EntryRefDoc } from './models/entry-ref';

export { articleSchema, feedSchema, sourceSchema, type ArticleDoc, type FeedDoc, type SourceDoc, type EntryRefDoc };
export { EXTRACTION_STATUS } from './models/article';
export * from './models/takedown';
export * from './models/tombstone';
export * from './models/audit';
export * from './pages';

// Filter keys not in the schema are dropped rather than sent, so a typo cannot match everything.
mongoose.set('strictQuery', true);

/**
 * Runs an idempotent `fn` again when PostgreSQL (under FerretDB v2) picked it as a deadlock's
 * victim: its statement was rolled back whole, so trying again is safe. Seen when several
 * processes start at once (index builds, sources registration); MongoDB never reports it.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !/deadlock detected/i.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
    }
  }
}

export interface Store {
  conn: Connection;
  Source: Model<SourceDoc>;
  Feed: Model<FeedDoc>;
  Article: Model<ArticleDoc>;
  EntryRef: Model<EntryRefDoc>;
  /** Creates every declared index; run at start-up by each writer (idempotent). */
  ensureIndexes(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createStore(url: string, opts: { serverSelectionTimeoutMS?: number } = {}): Promise<Store> {
  // autoIndex off: index builds are explicit (ensureIndexes), not a side effect of the first query.
  const conn = mongoose.createConnection(url, {
    autoIndex: false,
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
    maxPoolSize: 20,
  });
  await conn.asPromise();
  const Source = conn.model<SourceDoc>('Source', sourceSchema, 'sources');
  const Feed = conn.model<FeedDoc>('Feed', feedSchema, 'feeds');
  const Article = conn.model<ArticleDoc>('Article', articleSchema, 'articles');
  const EntryRef = conn.model<EntryRefDoc>('EntryRef', entryRefSchema, 'entry_refs');
  return {
    conn,
    Source,
    Feed,
    Article,
    EntryRef,
    async ensureIndexes() {
      // Every writer runs this at start-up, often at once: on DocumentDB two concurrent index
      // builds on one collection can fail with PostgreSQL's "deadlock detected" (seen with two
      // workers on a fresh database). The builds are idempotent, so the loser tries again.
      await retryOnDeadlock(async () => {
        for (const m of [Source, Feed, Article]) await m.createIndexes();
      });
      // Article indexes an older build declared (e.g. single-field ones the composite ones replaced) go.
      const declared = new Set(articleSchema.indexes().map(([keys]) => JSON.stringify(keys)));
      for (const idx of await Article.collection.indexes()) {
        if (!idx.name || idx.name === '_id_' || declared.has(JSON.stringify(idx.key))) continue;
        // Every writer runs this at start-up: another one may have dropped it first (IndexNotFound).
        await Article.collection.dropIndex(idx.name).catch((err: { code?: number }) => {
          if (err.code !== 27) throw err;
        });
      }
    },
    async ping() {
      try {
        await conn.db!.admin().command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
    close: () => conn.close(),
  };
}
