import { decodeBytes } from '@newsline/charset';
import {
  feedLinksFromHeader,
  findFeedLinks,
  hubLinksOf,
  parseFeed,
  parseSitemap,
  sitemapsFromRobots,
  wellKnownFeedUrls,
  type FeedLink,
} from '@newsline/feeds';
import type { PoliteClient } from '@newsline/http';

export type DiscoveryVia = FeedLink['via'] | 'direct' | 'robots';

export interface DiscoveredFeed {
  /** The URL the feed answered at (after redirects). */
  url: string;
  via: DiscoveryVia;
  format: string;
  title?: string;
  entries: number;
  /** WebSub hubs it advertises: the workers subscribe to these. */
  hubs: string[];
}

export interface RejectedCandidate {
  url: string;
  via: DiscoveryVia;
  /** Typed: `<fetch error code>: …` or `not-a-feed: …`/`malformed: …` from the parser. */
  reason: string;
}

export interface DiscoveredSitemap {
  url: string;
  via: 'robots';
  kind: 'urlset' | 'index';
  /** URLs (urlset) or child sitemaps (index) on the sitemap's host. */
  urls: number;
  /** URLs with a Google News `news:news` block (urlset only). */
  news: number;
  /** URLs on other hosts, refused. */
  refused: number;
}

export interface DiscoveryResult {
  siteUrl: string;
  /** Sitemaps robots.txt names, each fetched and parsed; news sitemaps are the ones worth polling. */
  sitemaps: DiscoveredSitemap[];
  /** The page the site URL answered with, after redirects. */
  pageUrl?: string;
  feeds: DiscoveredFeed[];
  rejected: RejectedCandidate[];
  /** Set when the site itself could not be read. */
  error?: string;
}

export interface DiscoveryOptions {
  /** Announced links checked at most (a page may list hundreds of tag and comment feeds). Default 12. */
  maxLinks?: number;
  /** Well-known paths are tried only when no announced link is a feed. Default true. */
  wellKnown?: boolean;
  /** Read the sitemaps robots.txt names. Default true. */
  sitemaps?: boolean;
}

const PAGE_ACCEPT =
  'text/html, application/xhtml+xml;q=0.9, application/rss+xml;q=0.8, application/atom+xml;q=0.8, application/feed+json;q=0.8, */*;q=0.1';

/**
 * Finds a site's feeds: the site URL may itself be a feed; else the feeds its page announces
 * (`Link` header, `<link rel="alternate">`), else conventional paths. Every candidate is fetched
 * through the polite client (SSRF guard, robots.txt, per-host limits) and parsed before it is
 * offered, so an HTML page answered with 200 at /feed is refused with the parser's reason.
 */
export async function discoverFeeds(http: PoliteClient, siteUrl: string, opts: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const result: DiscoveryResult = { siteUrl, feeds: [], rejected: [], sitemaps: [] };
  const page = await http.fetch(siteUrl, { kind: 'feed', accept: PAGE_ACCEPT });
  if (page.kind === 'error') return { ...result, error: `${page.error.code}: ${page.error.message}` };
  if (page.kind === 'not-modified') return { ...result, error: 'http-status: unexpected 304 without a conditional request' };
  result.pageUrl = page.finalUrl;
  const seen = new Set<string>([page.finalUrl]);

  const direct = parseFeed(page.body, { url: page.finalUrl, contentType: page.contentType });
  if (direct.ok) {
    const hubs = hubLinksOf(direct.feed, page.headers.link, page.finalUrl).hubs;
    result.feeds.push({
      url: page.finalUrl,
      via: 'direct',
      format: direct.feed.format,
      entries: direct.feed.entries.length,
      hubs,
      ...titleOf(direct.feed.title),
    });
    return result;
  }

  const { text } = decodeBytes(page.body, { contentType: page.contentType, kind: 'html' });
  const announced = [...feedLinksFromHeader(page.headers.link, page.finalUrl), ...findFeedLinks(text, page.finalUrl)];
  const check = async (link: FeedLink): Promise<boolean> => {
    if (seen.has(link.url)) return false;
    seen.add(link.url);
    const r = await http.fetch(link.url, { kind: 'feed' });
    if (r.kind !== 'ok') {
      result.rejected.push({
        url: link.url,
        via: link.via,
        reason: r.kind === 'error' ? `${r.error.code}: ${r.error.message}` : 'http-status: 304',
      });
      return false;
    }
    if (r.finalUrl !== link.url && seen.has(r.finalUrl) && result.feeds.some((f) => f.url === r.finalUrl)) return false;
    seen.add(r.finalUrl);
    const parsed = parseFeed(r.body, { url: r.finalUrl, contentType: r.contentType, contentLocation: r.headers['content-location'] });
    if (!parsed.ok) {
      result.rejected.push({ url: link.url, via: link.via, reason: `${parsed.error.code}: ${parsed.error.message}` });
      return false;
    }
    result.feeds.push({
      url: r.finalUrl,
      via: link.via,
      format: parsed.feed.format,
      entries: parsed.feed.entries.length,
      hubs: hubLinksOf(parsed.feed, r.headers.link, r.finalUrl).hubs,
      ...titleOf(parsed.feed.title ?? link.title),
    });
    return true;
  };
  for (const link of announced.slice(0, opts.maxLinks ?? 12)) await check(link);
  if (opts.sitemaps !== false) await findSitemaps(http, page.finalUrl, result);
  if (result.feeds.length || opts.wellKnown === false) return result;
  // Conventional paths are aliases of one main feed: the first that parses is enough.
  for (const link of wellKnownFeedUrls(page.finalUrl)) if (await check(link)) break;
  return result;
}

/** Sitemaps checked at most per site (robots.txt of big sites lists dozens). */
const MAX_SITEMAPS = 5;

/** The `Sitemap:` lines of the site's robots.txt, each fetched and parsed (same-host URLs only). */
async function findSitemaps(http: PoliteClient, pageUrl: string, result: DiscoveryResult): Promise<void> {
  const robotsUrl = new URL('/robots.txt', pageUrl).href;
  const robots = await http.fetch(robotsUrl, { kind: 'robots' });
  if (robots.kind !== 'ok') return;
  for (const url of sitemapsFromRobots(robots.body.toString('utf8'), robotsUrl).slice(0, MAX_SITEMAPS)) {
    const r = await http.fetch(url, { kind: 'feed' });
    if (r.kind !== 'ok') {
      result.rejected.push({ url, via: 'robots', reason: r.kind === 'error' ? `${r.error.code}: ${r.error.message}` : 'http-status: 304' });
      continue;
    }
    const sm = parseSitemap(r.body, { url: r.finalUrl, contentType: r.contentType });
    if (!sm.ok) {
      result.rejected.push({ url, via: 'robots', reason: `${sm.error.code}: ${sm.error.message}` });
      continue;
    }
    result.sitemaps.push({
      url: r.finalUrl,
      via: 'robots',
      kind: sm.kind,
      urls: sm.kind === 'index' ? sm.sitemaps.length : sm.entries.length,
      news: sm.entries.filter((e) => e.news).length,
      refused: sm.refused,
    });
  }
}

const titleOf = (title: string | undefined): { title?: string } => (title ? { title: title.slice(0, 300) } : {});
