import { gzipSync } from 'node:zlib';
import { fetchFeed } from '../src/ingest/fetch-feed';
import { harness, publisher, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const HOUR = 3600_000;

describe('news sitemaps', () => {
  it('turn the last two days of a sitemap index into articles; other hosts, old and undated URLs are left out', async () => {
    let base = '';
    const urlset = (b: string) => `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>${b}/news/dam-opens</loc><news:news><news:publication><news:name>Vale Times</news:name><news:language>it</news:language></news:publication>
    <news:publication_date>${iso(2 * HOUR)}</news:publication_date><news:title>La diga riapre</news:title></news:news></url>
  <url><loc>${b}/news/market</loc><lastmod>${iso(30 * HOUR)}</lastmod></url>
  <url><loc>${b}/news/blocked</loc><lastmod>${iso(HOUR)}</lastmod></url>
  <url><loc>${b}/news/last-week</loc><lastmod>${iso(72 * HOUR)}</lastmod></url>
  <url><loc>${b}/about</loc></url>
  <url><loc>http://203.0.113.9/news/elsewhere</loc><lastmod>${iso(HOUR)}</lastmod></url>
</urlset>`;
    const pub = await publisher({
      '/sitemap_index.xml': (_q, res) =>
        void res.writeHead(200, { 'content-type': 'application/xml' })
          .end(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <sitemap><loc>${base}/sitemaps/news.xml.gz</loc><lastmod>${iso(HOUR)}</lastmod></sitemap>
          <sitemap><loc>${base}/sitemaps/2019.xml</loc><lastmod>2019-12-31</lastmod></sitemap>
          <sitemap><loc>http://203.0.113.9/sitemap.xml</loc></sitemap></sitemapindex>`),
      '/sitemaps/news.xml.gz': (_q, res) => void res.writeHead(200, { 'content-type': 'application/gzip' }).end(gzipSync(urlset(base))),
    });
    base = pub.url;
    try {
      const src = await h.store.Source.create({
        key: `vale-${Date.now()}`,
        name: 'Vale Times',
        homepage: base,
        languages: ['it'],
        attribution: 'Vale Times',
      });
      const feed = await h.store.Feed.create({ sourceId: src._id, url: `${base}/sitemap_index.xml`, kind: 'sitemap' });
      const blocked = `${base}/news/blocked`;
      const isBlocked = h.ctx.isBlocked;
      h.ctx.isBlocked = async (u) => u === blocked;
      let r;
      try {
        r = await fetchFeed(h.ctx, String(feed._id));
      } finally {
        h.ctx.isBlocked = isBlocked;
      }
      expect(r).toMatchObject({ kind: 'ok', entries: 3, created: 2, blocked: 1 });
      const arts = await h.store.Article.find({ sourceId: String(src._id) })
        .sort({ url: 1 })
        .lean();
      expect(arts.map((a) => [a.url, a.title, a.language])).toEqual([
        [`${base}/news/dam-opens`, 'La diga riapre', 'it'],
        [`${base}/news/market`, `${base}/news/market`, 'it'],
      ]);
      await h.nextEvent((e) => e.type === 'article.added' && e.url === `${base}/news/dam-opens`);
      expect(
        h.extractJobs
          .filter((j) => j.url.startsWith(base))
          .map((j) => j.url)
          .sort(),
      ).toEqual([`${base}/news/dam-opens`, `${base}/news/market`]);
      // The archive child (2019) is never fetched, and neither is the other host's.
      expect(pub.hits.some((p) => p.includes('2019'))).toBe(false);
      const stored = await h.store.Feed.findById(feed._id).lean();
      expect(stored!.format).toBe('sitemap');
      // A second poll finds nothing new (same identity as feed entries), the blocked URL still blocked.
      h.ctx.isBlocked = async (u) => u === blocked;
      try {
        expect(await fetchFeed(h.ctx, String(feed._id))).toMatchObject({ kind: 'ok', created: 0, blocked: 1 });
      } finally {
        h.ctx.isBlocked = isBlocked;
      }
    } finally {
      await pub.close();
    }
  });

  it('gives a typed error for an HTML page where a sitemap was expected', async () => {
    const pub = await publisher({
      '/sitemap.xml': (_q, res) =>
        void res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Not found</body></html>'),
    });
    try {
      const src = await h.store.Source.create({ key: `soft-${Date.now()}`, name: 'Soft', homepage: pub.url, attribution: 'Soft' });
      const feed = await h.store.Feed.create({ sourceId: src._id, url: `${pub.url}/sitemap.xml`, kind: 'sitemap' });
      expect(await fetchFeed(h.ctx, String(feed._id))).toMatchObject({ kind: 'error', code: 'sitemap-not-a-sitemap' });
    } finally {
      await pub.close();
    }
  });
});
