import { gzipSync } from 'node:zlib';
import { parseSitemap, sitemapsFromRobots } from '../src';
import { enc } from './helpers';

const url = 'https://www.riverside.example.org/sitemaps/news.xml';

const newsSitemap = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://www.riverside.example.org/2025/06/03/flood-barrier?utm_source=x&amp;id=7</loc>
    <lastmod>2025-06-03T10:00:00+02:00</lastmod>
    <news:news>
      <news:publication><news:name>Riverside &amp; District Post</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2025-06-03T09:15:00+02:00</news:publication_date>
      <news:title>Flood barrier&#x1; raised at dawn</news:title>
      <news:keywords>flood, weather ,river</news:keywords>
    </news:news>
    <image:image><image:loc>https://cdn.example.net/barrier.jpg</image:loc></image:image>
  </url>
  <url><loc>/2025/06/02/market-day</loc><lastmod>2025-06-02</lastmod></url>
  <url><loc>https://evil.example.com/2025/06/03/fake</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><loc>http://www.riverside.example.org/plain-http</loc></url>
</urlset>`;

describe('parseSitemap', () => {
  it('reads news: sitemaps, resolves relative locations and refuses other hosts', () => {
    const r = parseSitemap(enc(newsSitemap), { url });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.kind).toBe('urlset');
    expect(r.refused).toBe(2);
    expect(r.entries.map((e) => e.url)).toEqual([
      'https://www.riverside.example.org/2025/06/03/flood-barrier?utm_source=x&id=7',
      'https://www.riverside.example.org/2025/06/02/market-day',
      'http://www.riverside.example.org/plain-http',
    ]);
    expect(r.entries[0]).toMatchObject({
      lastmod: new Date('2025-06-03T08:00:00Z'),
      image: 'https://cdn.example.net/barrier.jpg',
      news: {
        title: 'Flood barrier raised at dawn',
        published: new Date('2025-06-03T07:15:00Z'),
        language: 'en',
        publication: 'Riverside & District Post',
        keywords: ['flood', 'weather', 'river'],
      },
    });
    expect(r.entries[1]!.news).toBeUndefined();
  });

  it('reads gzip-compressed sitemaps and sitemap indexes (same host, newest first)', () => {
    const index = `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://www.riverside.example.org/s/2025-05.xml.gz</loc><lastmod>2025-05-31</lastmod></sitemap>
      <sitemap><loc>https://www.riverside.example.org/s/2025-06.xml.gz</loc><lastmod>2025-06-03</lastmod></sitemap>
      <sitemap><loc>https://other.example.org/s.xml</loc></sitemap>
    </sitemapindex>`;
    const r = parseSitemap(gzipSync(Buffer.from(index)), { url: 'https://www.riverside.example.org/sitemap_index.xml.gz' });
    expect(r.ok && [r.kind, r.sitemaps.map((s) => s.url), r.refused]).toEqual([
      'index',
      ['https://www.riverside.example.org/s/2025-06.xml.gz', 'https://www.riverside.example.org/s/2025-05.xml.gz'],
      1,
    ]);
  });

  it('bounds decompressed size and URL count', () => {
    const many = `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${Array.from({ length: 50 }, (_, i) => `<url><loc>https://a.example/${i}</loc></url>`).join('')}</urlset>`;
    const capped = parseSitemap(enc(many), { url: 'https://a.example/s.xml', maxUrls: 10 });
    expect(capped.ok && [capped.entries.length, capped.refused]).toEqual([10, 40]);
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    const r = parseSitemap(bomb, { url: 'https://a.example/s.xml.gz', maxBytes: 1024 * 1024 });
    expect(r.ok ? 'ok' : r.error.code).toBe('too-large');
  });

  it('gives typed errors for documents that are not sitemaps', () => {
    const code = (s: string | Uint8Array) => {
      const r = parseSitemap(typeof s === 'string' ? enc(s) : s, { url: 'https://a.example/s.xml' });
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code('')).toBe('empty');
    expect(code('<!DOCTYPE html><html><body>Not found</body></html>')).toBe('not-a-sitemap');
    expect(code('{"urls": []}')).toBe('not-a-sitemap');
    expect(code(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toBe('malformed');
  });
});

describe('sitemapsFromRobots', () => {
  it('collects Sitemap lines in any case, relative ones resolved, duplicates dropped', () => {
    const robots =
      'User-agent: *\nDisallow: /private/\nSitemap: https://a.example/news.xml\r\nsitemap:/sitemap_index.xml\n  SITEMAP :  https://a.example/news.xml\n# Sitemap: https://a.example/commented.xml\nSitemap: ftp://a.example/x.xml';
    expect(sitemapsFromRobots(robots, 'https://a.example/robots.txt')).toEqual([
      'https://a.example/news.xml',
      'https://a.example/sitemap_index.xml',
    ]);
  });
});
