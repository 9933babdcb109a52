import { articleIdFor, hostOf, urlKey } from '@newsline/domain';

export type ScopeKind = 'URL' | 'PREFIX' | 'SOURCE' | 'DOMAIN';
/** A scope in match form: `key` is the normalized value (urlKey form, bare host, or source id). */
export interface MatchScope {
  kind: ScopeKind;
  key: string;
}

/**
 * Normalizes a scope value into its match key; throws on a value that cannot be one.
 * URL → urlKey (http/https, www, slash, tracking and AMP variants share it); PREFIX → the
 * urlKey form, keeping a trailing slash the requester gave (so `/news/` does not cover
 * `/newsletter`); DOMAIN → bare lowercase host; SOURCE → the source id.
 */
export function scopeKey(kind: ScopeKind, value: string): string {
  const v = value.trim();
  switch (kind) {
    case 'URL':
      return urlKey(v);
    case 'PREFIX': {
      const k = urlKey(v);
      return new URL(v).pathname.endsWith('/') && !k.endsWith('/') ? `${k}/` : k;
    }
    case 'DOMAIN': {
      const host = v
        .toLowerCase()
        .replace(/\.$/, '')
        .replace(/^www\./, '');
      if (!/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$/.test(host)) throw new TypeError(`not a domain: ${value}`);
      return host;
    }
    case 'SOURCE':
      if (!/^[0-9a-f]{24}$/.test(v)) throw new TypeError(`not a source id: ${value}`);
      return v;
  }
}

export interface MatchTarget {
  url: string;
  urlKey?: string;
  sourceId?: string;
}

/** Whether an article (or a URL about to be fetched or stored) falls under the scope. */
export function matchesScope(s: MatchScope, a: MatchTarget): boolean {
  if (s.kind === 'SOURCE') return a.sourceId === s.key;
  let key: string;
  try {
    key = a.urlKey ?? urlKey(a.url);
  } catch {
    return false;
  }
  if (s.kind === 'URL') return key === s.key;
  if (s.kind === 'PREFIX') return key.startsWith(s.key) || key === s.key.replace(/\/$/, '');
  let host: string;
  try {
    host = hostOf(a.url);
  } catch {
    return false;
  }
  return host === s.key || host.endsWith(`.${s.key}`);
}

/**
 * The one articles query per scope. URL: the derived `_id` or the urlKey (extraction may
 * re-key an article to its canonical URL); PREFIX: urlKey prefix; SOURCE: sourceId; DOMAIN:
 * the host of the stored URL, subdomains included (its `domains`). Each is served by an index.
 */
export function scopeFilter(s: MatchScope): Record<string, unknown> {
  switch (s.kind) {
    case 'URL':
      return { $or: [{ _id: articleIdFor(s.key) }, { urlKey: s.key }] };
    case 'PREFIX':
      // A range on the unique urlKey index, not a regex: the same prefix, served by the index everywhere.
      return { $or: [{ urlKey: { $gte: s.key, $lt: `${s.key}\uffff` } }, { urlKey: s.key.replace(/\/$/, '') }] };
    case 'SOURCE':
      return { sourceId: s.key };
    case 'DOMAIN':
      return { domains: s.key };
  }
}

/**
 * The declared articles index `scopeFilter`'s query is read through (undefined for URL: two
 * unique-key equalities). Named, because PostgreSQL plans from statistics: right after a bulk
 * load, before ANALYZE, it took a DOMAIN or SOURCE query for a seq scan (1.2 s at 1M articles).
 */
export function scopeHint(s: MatchScope): Record<string, 1 | -1> | undefined {
  switch (s.kind) {
    case 'URL':
      return undefined;
    case 'PREFIX':
      return { urlKey: 1 };
    case 'SOURCE':
      return { sourceId: 1, publishedAt: -1, _id: -1 };
    case 'DOMAIN':
      return { domains: 1 };
  }
}
