import { Parser } from 'htmlparser2';

/** Where a feed candidate was found. */
export type FeedLinkSource = 'link' | 'link-header' | 'well-known';

export interface FeedLink {
  /** Absolute http(s) URL. */
  url: string;
  /** The advertised media type, lowercased, without parameters; absent for well-known guesses. */
  type?: string;
  title?: string;
  via: FeedLinkSource;
}

export interface LinkHeaderEntry {
  url: string;
  rel: string[];
  type?: string;
  title?: string;
}

/** Media types a `<link rel="alternate">` announces a feed with (RSS, Atom, RDF, JSON Feed). */
const FEED_TYPES = new Set([
  'application/rss+xml',
  'application/atom+xml',
  'application/rdf+xml',
  'application/feed+json',
  'application/json+feed',
  'application/x.atom+xml',
  'application/x-atom+xml',
  'application/x-rss+xml',
  'text/rss+xml',
  'text/atom+xml',
]);

/**
 * Generic types that are a feed only next to a feed-like title or path ("RSS", "/feed.json"):
 * `rel="alternate" type="application/json"` is also how sites link their REST API and oEmbed.
 */
const MAYBE_FEED_TYPES = new Set(['application/json', 'application/xml', 'text/xml']);
const FEEDISH = /\b(rss|atom|feed|json ?feed)\b|\.(rss|atom|xml)(\?|$)|feed\.json/i;

/** Only the start of a page is read: the links live in <head>, and a huge page must cost bounded time. */
const MAX_SCAN_CHARS = 1_000_000;

function absoluteHttp(href: string | undefined, base: string): string | undefined {
  if (!href || !href.trim()) return undefined;
  try {
    const u = new URL(href.trim(), base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    return u.href;
  } catch {
    return undefined;
  }
}

const mediaType = (t: string | undefined): string => (t ?? '').split(';')[0]!.trim().toLowerCase();

function classify(rels: string[], type: string, title: string | undefined, href: string): boolean {
  if (rels.includes('stylesheet') || rels.includes('icon')) return false;
  if (rels.includes('feed')) return true; // the HTML5 "feed" link type names a feed whatever the type says
  if (!rels.includes('alternate')) return false;
  if (FEED_TYPES.has(type)) return true;
  return MAYBE_FEED_TYPES.has(type) && (FEEDISH.test(title ?? '') || FEEDISH.test(href));
}

/**
 * Feeds an HTML page announces with `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href>`
 * (and `rel="feed"`), resolved against `<base href>` and the page URL, in document order, without duplicates.
 * Pure: the page's text in, candidates out; every candidate still has to be fetched and parsed to count.
 */
export function findFeedLinks(html: string, pageUrl: string): FeedLink[] {
  const out: FeedLink[] = [];
  const seen = new Set<string>();
  let base = pageUrl;
  let baseSet = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'base' && !baseSet) {
          const b = absoluteHttp(attrs.href, pageUrl);
          if (b) base = b;
          baseSet = true;
          return;
        }
        if (name !== 'link' && name !== 'a') return;
        const rels = (attrs.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
        // <a rel="alternate" type=...> is rare but valid; plain anchors are not feeds by themselves.
        if (name === 'a' && !rels.includes('alternate') && !rels.includes('feed')) return;
        const type = mediaType(attrs.type);
        const title = attrs.title?.trim() || undefined;
        if (!classify(rels, type, title, attrs.href ?? '')) return;
        const url = absoluteHttp(attrs.href, base);
        if (!url || seen.has(url)) return;
        seen.add(url);
        out.push({ url, ...(type ? { type } : {}), ...(title ? { title } : {}), via: 'link' });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html.length > MAX_SCAN_CHARS ? html.slice(0, MAX_SCAN_CHARS) : html);
  parser.end();
  return out;
}

/**
 * RFC 8288 `Link` header values: `<https://hub.example/>; rel="hub", <…/feed>; rel="self"`.
 * Commas inside `<…>` or quoted strings do not split; malformed parts are skipped.
 */
export function parseLinkHeader(value: string | undefined, baseUrl: string): LinkHeaderEntry[] {
  if (!value) return [];
  const out: LinkHeaderEntry[] = [];
  const re = /<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)/g;
  for (const m of value.slice(0, 16_384).matchAll(re)) {
    const url = absoluteHttp(m[1], baseUrl);
    if (!url) continue;
    const params: Record<string, string> = {};
    for (const p of m[2]!.matchAll(/;\s*([^;,=\s]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*))?/g)) {
      const key = p[1]!.toLowerCase();
      if (key in params) continue; // RFC 8288 §3: later occurrences of a parameter are ignored
      params[key] = (p[2] ?? '').replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
    }
    const rel = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    if (!rel.length) continue;
    out.push({ url, rel, ...(params.type ? { type: mediaType(params.type) } : {}), ...(params.title ? { title: params.title } : {}) });
  }
  return out;
}

/** Feed links a page's `Link` response header announces (same rules as `<link>` elements). */
export function feedLinksFromHeader(value: string | undefined, pageUrl: string): FeedLink[] {
  return parseLinkHeader(value, pageUrl)
    .filter((l) => classify(l.rel, l.type ?? '', l.title, l.url))
    .map((l) => ({ url: l.url, ...(l.type ? { type: l.type } : {}), ...(l.title ? { title: l.title } : {}), via: 'link-header' as const }));
}

/** Paths where CMSes serve their main feed (WordPress, Ghost, Hugo, Jekyll, Blogger, Substack, generic). */
const WELL_KNOWN_PATHS = ['feed', 'rss', 'rss.xml', 'atom.xml', 'feed.xml', 'index.xml', 'feed.json', 'feeds/posts/default'];

/**
 * The conventional feed URLs to try when a page announces none: under the page's own folder
 * first when it is not the site root (a section or an outlet under a shared host), then the root.
 */
export function wellKnownFeedUrls(pageUrl: string): FeedLink[] {
  let page: URL;
  try {
    page = new URL(pageUrl);
  } catch {
    return [];
  }
  const dir = page.pathname.endsWith('/') ? page.pathname : page.pathname.replace(/[^/]*$/, '');
  const bases = dir === '/' ? [`${page.origin}/`] : [`${page.origin}${dir}`, `${page.origin}/`];
  const seen = new Set<string>();
  const out: FeedLink[] = [];
  for (const b of bases) {
    for (const p of WELL_KNOWN_PATHS) {
      const url = new URL(p, b).href;
      if (!seen.has(url)) {
        seen.add(url);
        out.push({ url, via: 'well-known' });
      }
    }
  }
  return out;
}

/** WebSub (and PubSubHubbub) hub and self URLs, from a feed's own links and its response's `Link` header. */
export interface HubLinks {
  hubs: string[];
  self?: string;
}

/** Merges hub/self links from the document with those of the `Link` header; the header wins for self (WebSub §4). */
export function hubLinksOf(doc: HubLinks, linkHeader: string | undefined, feedUrl: string): HubLinks {
  const header = parseLinkHeader(linkHeader, feedUrl);
  const hubs = [...header.filter((l) => l.rel.includes('hub')).map((l) => l.url), ...doc.hubs];
  const self = header.find((l) => l.rel.includes('self'))?.url ?? doc.self;
  return { hubs: [...new Set(hubs)], ...(self ? { self } : {}) };
}
