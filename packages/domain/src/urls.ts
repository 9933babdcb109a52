import { createHash } from 'node:crypto';

/** Query parameters that identify a campaign or a click, never the content. */
const TRACKING = [
  /^utm_/i,
  /^fbclid$/i,
  /^gclid$/i,
  /^dclid$/i,
  /^gclsrc$/i,
  /^msclkid$/i,
  /^mc_(cid|eid)$/i,
  /^yclid$/i,
  /^igshid$/i,
  /^_ga$/i,
  /^_gl$/i,
  /^ref_?src$/i,
  /^cmpid$/i,
  /^ocid$/i,
  /^ito$/i,
  /^s_cid$/i,
  /^mkt_tok$/i,
  /^__twitter_impression$/i,
  /^share$/i,
  /^smid$/i,
  /^at_(medium|campaign|custom\d)$/i,
  /^rss$/i,
  /^partner$/i,
  /^wt\.mc_id$/i,
  /^ns_(source|mchannel|campaign|linkname|fee)$/i,
];

function isTracking(name: string): boolean {
  return TRACKING.some((r) => r.test(name));
}

/**
 * The canonical form we store and link to: lowercase host, default port and fragment dropped,
 * tracking parameters removed, remaining parameters sorted. The scheme is kept: an http-only
 * site must stay reachable.
 */
export function canonicalUrl(input: string): string {
  const u = new URL(input);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${input}`);
  u.hash = '';
  u.username = '';
  u.password = '';
  u.hostname = u.hostname.toLowerCase().replace(/\.$/, '');
  const params = [...u.searchParams.entries()].filter(([k]) => !isTracking(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  u.search = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  return u.href;
}

/**
 * Identity of an article URL: the canonical URL without scheme, `www.`, trailing slash and AMP
 * markers, so http/https, slash, tracking and AMP variants of one page share one key (the
 * unique index in the store and the tombstone match in takedowns both use it).
 */
export function urlKey(input: string): string {
  const u = new URL(canonicalUrl(input));
  let path = u.pathname
    .replace(/\/amp\/?$/i, '/')
    .replace(/\.amp(\.html?)?$/i, '$1')
    .replace(/\/+$/, '');
  if (path === '') path = '/';
  const params = new URLSearchParams(u.search);
  for (const k of ['amp', 'outputType', 'output']) {
    const v = params.get(k);
    if (k === 'amp' || (v && /amp/i.test(v))) params.delete(k);
  }
  const q = params.toString();
  return `${u.hostname.replace(/^(www|amp|m)\./, '')}${u.port ? `:${u.port}` : ''}${path}${q ? `?${q}` : ''}`;
}

/** The registrable-ish host used for domain-scope matching (no scheme, no www). */
export function hostOf(input: string): string {
  return new URL(input).hostname.toLowerCase().replace(/^www\./, '');
}

/** Every domain a URL's host belongs to (`news.example.com` → itself, `example.com`, `com`): a DOMAIN scope is one equality on them. */
export function domainsOf(input: string): string[] {
  const labels = hostOf(input).split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The article id for a URL identity: 12 bytes of SHA-1 of the urlKey, as a 24-hex ObjectId.
 * Deriving the id lets ingestion upsert by `_id`, the one key FerretDB looks up without a
 * collection scan; the unique urlKey index stays the safety net.
 */
export function articleIdFor(key: string): string {
  return createHash('sha1').update(`article:${key}`).digest('hex').slice(0, 24);
}

/** Id of the record that remembers which article a feed entry (feed + entry id) became. */
export function entryRefIdFor(feedId: string, entryId: string): string {
  return createHash('sha1').update(`entry:${feedId}:${entryId}`).digest('hex').slice(0, 24);
}

/** A stable 24-hex ObjectId for a natural key (source key, feed URL), for `_id`-keyed upserts. */
export function derivedId(namespace: string, value: string): string {
  return createHash('sha1').update(`${namespace}:${value}`).digest('hex').slice(0, 24);
}
