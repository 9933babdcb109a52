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
export * from './models/url-alias';
export * from './models/scope-member';

// Filter keys not in the schema are dropped rather than sent, so a typo cannot match everything.
mongoose.set('strictQuery', true);

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

/** Whether the server is FerretDB 1.x (its buildInfo names its own version besides MongoDB's). */
async function isFerretDbV1(conn: Connection): Promise<boolean> {
  const info = await conn.db!.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string' && /^v?1\./.test(info.ferretdbVersion);
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
      for (const m of [Source, Feed]) await m.createIndexes();
      if (!(await isFerretDbV1(conn))) return void (await Article.createIndexes());
      // FerretDB v1 answers every query but an `_id` lookup by reading the collection (its SQLite
      // backend pushes down `_id` equality only and sorts in Go), so the articles' query indexes
      // serve nothing there, while SQLite maintains each one on every write of a large document
      // (bench/ferretdb-indexes.ts: extraction-sized updates take ~20% more FerretDB CPU). Only
      // the unique ones, which enforce identity, are kept; query indexes left by an older build go.
      for (const [keys, options] of articleSchema.indexes()) {
        if (options?.unique) await Article.collection.createIndex(keys as Record<string, 1 | -1>, options as mongoose.mongo.CreateIndexesOptions);
      }
      for (const idx of await Article.collection.indexes()) {
        if (!idx.name || idx.name === '_id_' || idx.unique) continue;
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
