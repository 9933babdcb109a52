import { articleIdFor } from '@newsline/domain';
import { urlAliasModel, type Store } from '@newsline/store';
import type Redis from 'ioredis';
import { findIndexedMatches } from './members';
import { scopeFilter, type MatchScope } from './scope';

export interface ScopeMatch {
  _id: string;
  url: string;
  urlKey: string;
  sourceId: string;
  simhash?: string | null;
  entryIds?: string[] | null;
}

const PROJECTION = { _id: 1, url: 1, urlKey: 1, sourceId: 1, simhash: 1, entryIds: 1 } as const;

/**
 * The stored articles a scope covers, at most `limit`. URL scopes are `_id` lookups only: the
 * article stored under the URL's derived id, and the one its alias points at when extraction
 * re-keyed an article to this URL (FerretDB v1 scans for any other filter, which under load
 * costs seconds, not milliseconds). `thorough` adds the scanning `urlKey` query, for articles
 * re-keyed before aliases were written. Prefix, domain and source scopes are read through the
 * member index when `redis` is given (members.ts: `_id` reads of the key's pages and of each
 * listed article); `thorough`, and a domain that is a public suffix, scan instead.
 */
export async function findScopeMatches(
  store: Store,
  s: MatchScope,
  opts: { limit?: number; thorough?: boolean; redis?: Redis } = {},
): Promise<ScopeMatch[]> {
  const limit = opts.limit ?? 500;
  if (s.kind !== 'URL' && !opts.thorough && opts.redis) {
    const load = (id: string) => store.Article.findById(id, PROJECTION).lean();
    const found = await findIndexedMatches(store, opts.redis, s, load, limit);
    if (found) return found.map(asMatch);
  }
  if (s.kind !== 'URL' || opts.thorough) {
    const docs = await store.Article.find(scopeFilter(s), PROJECTION).limit(limit).lean();
    return docs.map(asMatch);
  }
  const derived = articleIdFor(s.key);
  const [direct, alias] = await Promise.all([
    store.Article.findById(derived, PROJECTION).lean(),
    urlAliasModel(store.conn).findById(derived).lean(),
  ]);
  const out = direct ? [asMatch(direct)] : [];
  if (alias && alias.articleId !== derived) {
    const a = await store.Article.findById(alias.articleId, PROJECTION).lean();
    // The alias may be stale (the article moved on or was merged away): only its current key counts.
    if (a && a.urlKey === s.key) out.push(asMatch(a));
  }
  return out.slice(0, limit);
}

function asMatch(a: {
  _id: unknown;
  url: string;
  urlKey: string;
  sourceId: unknown;
  simhash?: string | null;
  entryIds?: string[] | null;
}): ScopeMatch {
  return { _id: String(a._id), url: a.url, urlKey: a.urlKey, sourceId: String(a.sourceId), simhash: a.simhash, entryIds: a.entryIds };
}

/** Records that the article `articleId` now carries `urlKey` (call before re-keying it). */
export async function recordUrlAlias(store: Store, urlKey: string, articleId: string): Promise<void> {
  const id = articleIdFor(urlKey);
  if (id === articleId) return;
  await urlAliasModel(store.conn).updateOne({ _id: id }, { $set: { urlKey, articleId } }, { upsert: true });
}
