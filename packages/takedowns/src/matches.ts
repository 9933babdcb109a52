import type { Store } from '@newsline/store';
import { scopeFilter, scopeHint, type MatchScope } from './scope';

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
 * The stored articles a scope covers, at most `limit`: the scope's one indexed query
 * (`scopeFilter`: `_id` or `urlKey` for a URL, a `urlKey` range for a prefix, `domains`,
 * `sourceId`, each through its named index: scopeHint). A re-keyed article is found under its
 * current key and domains.
 */
export async function findScopeMatches(store: Store, s: MatchScope, opts: { limit?: number } = {}): Promise<ScopeMatch[]> {
  const run = (hint?: Record<string, 1 | -1>) => {
    const q = store.Article.find(scopeFilter(s), PROJECTION).limit(opts.limit ?? 500);
    if (hint) q.hint(hint);
    return q.lean();
  };
  const hint = scopeHint(s);
  // A database whose indexes were never built (ensureIndexes not run) rejects the hint: the
  // removal must still happen, so the same query runs unhinted.
  const docs = hint ? await run(hint).catch(() => run()) : await run();
  return docs.map(asMatch);
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
