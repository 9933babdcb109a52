import { parseSitemap, type FeedEntry, type SitemapEntry } from '@newsline/feeds';
import type { FetchOk } from '@newsline/http';
import type { IngestContext } from './context';

/** Google News sitemaps list the last two days; older URLs of any sitemap are archive, not news. */
export const SITEMAP_NEWS_WINDOW_MS = 2 * 86400_000;
/** Child sitemaps of an index read per poll, newest `lastmod` first (the rest are older archives). */
export const SITEMAP_INDEX_CHILDREN = 5;
/** URLs kept per sitemap document. */
const SITEMAP_MAX_URLS = 50_000;

export type SitemapRead =
  { ok: true; entries: FeedEntry[]; urls: number; refused: number; childErrors: string[] } | { ok: false; code: string; message: string };

function toEntry(e: SitemapEntry): FeedEntry {
  const published = e.news?.published ?? e.lastmod;
  return {
    id: e.url,
    link: e.url,
    ...(e.news?.title ? { title: e.news.title } : {}),
    authors: [],
    ...(published ? { published } : {}),
    ...(e.lastmod ? { updated: e.lastmod } : {}),
    categories: e.news?.keywords ?? [],
    ...(e.image ? { image: e.image } : {}),
    enclosures: [],
    ...(e.news?.language ? { language: e.news.language } : {}),
  };
}

/**
 * Reads a fetched sitemap (or sitemap index, whose newest children are fetched through the same
 * polite client) into feed entries: URLs dated within the last two days (news publication date,
 * else lastmod); undated URLs are skipped, since nothing says they are news.
 */
export async function readSitemap(ctx: IngestContext, res: FetchOk, now: Date): Promise<SitemapRead> {
  const opts = { maxBytes: ctx.config.SITEMAP_MAX_BYTES, maxUrls: SITEMAP_MAX_URLS };
  const top = parseSitemap(res.body, { url: res.finalUrl, contentType: res.contentType, ...opts });
  if (!top.ok) return { ok: false, code: `sitemap-${top.error.code}`, message: top.error.message };
  let urls = top.entries;
  let refused = top.refused;
  const childErrors: string[] = [];
  if (top.kind === 'index') {
    urls = [];
    for (const child of top.sitemaps.slice(0, SITEMAP_INDEX_CHILDREN)) {
      // A child last modified before the window holds no news.
      if (child.lastmod && child.lastmod.getTime() < now.getTime() - SITEMAP_NEWS_WINDOW_MS) continue;
      const r = await ctx.http.fetch(child.url, { kind: 'feed' });
      if (r.kind !== 'ok') {
        childErrors.push(`${child.url}: ${r.kind === 'error' ? r.error.code : 'not-modified'}`);
        continue;
      }
      // Nested indexes are not followed: sitemaps.org forbids them, and they would multiply the fetches.
      const doc = parseSitemap(r.body, { url: r.finalUrl, contentType: r.contentType, ...opts });
      if (!doc.ok || doc.kind !== 'urlset') {
        childErrors.push(`${child.url}: ${doc.ok ? 'nested index' : doc.error.code}`);
        continue;
      }
      urls.push(...doc.entries);
      refused += doc.refused;
    }
  }
  const since = now.getTime() - SITEMAP_NEWS_WINDOW_MS;
  const recent = urls.filter((e) => {
    const d = e.news?.published ?? e.lastmod;
    return d !== undefined && d.getTime() >= since;
  });
  return { ok: true, entries: recent.map(toEntry), urls: urls.length, refused, childErrors };
}
