import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testServices } from '@newsline/embedded-stack';
import { createPoliteClient, type PoliteClient } from '@newsline/http';
import { startDemoPublisher, type DemoPublisher } from '@newsline/publisher-sim';
import Redis from 'ioredis';
import { discoverFeeds } from '../src/discover';

const rss = (title: string, hub?: string) => `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${title}</title><link>http://example.org/</link>
${hub ? `<atom:link rel="hub" href="${hub}"/>` : ''}
<item><title>One</title><link>http://example.org/1</link><guid>1</guid></item></channel></rss>`;
const notFoundPage = '<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Sorry, nothing here</h1></body></html>';
const html = (head: string) => `<!DOCTYPE html><html><head><title>Site</title>${head}</head><body><p>Welcome</p></body></html>`;

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const send =
  (type: string, body: string, status = 200, headers: Record<string, string> = {}): Route =>
  (_req, res) =>
    void res.writeHead(status, { 'content-type': type, ...headers }).end(body);

let redis: Redis;
let http: PoliteClient;
let demo: DemoPublisher;
let server: Server;
let base: string;

beforeAll(async () => {
  const svc = testServices('sources_discover');
  redis = new Redis(svc.redisUrl, { maxRetriesPerRequest: null });
  http = createPoliteClient({
    redis,
    keyPrefix: `test:${svc.dbName}:${Date.now()}:`,
    userAgent: 'NewslineBot/test',
    robotsToken: 'NewslineBot',
    allowHosts: ['127.0.0.1'],
    hostRatePerSec: 200,
    hostConcurrency: 4,
    totalTimeoutMs: 2000,
    connectTimeoutMs: 1000,
    maxWaitMs: 2000,
  });
  demo = await startDemoPublisher();
  const routes: Record<string, Route> = {
    '/robots.txt': send('text/plain', 'User-agent: *\nDisallow: /private/\n'),
    // An announced feed that answers 200 with an HTML error page.
    '/soft404/': send('text/html', html('<link rel="alternate" type="application/rss+xml" href="/soft404/feed.xml">')),
    '/soft404/feed.xml': send('text/html; charset=utf-8', notFoundPage),
    // Nothing announced; /feed is an HTML page, /rss.xml the real feed.
    '/plain/': send('text/html', html('')),
    '/plain/feed': send('text/html', notFoundPage),
    '/plain/rss': send('text/html', notFoundPage, 404),
    '/plain/rss.xml': send('application/rss+xml', rss('Plain RSS')),
    // The site URL is itself a feed, with a hub in its Link header.
    '/direct.xml': send('application/rss+xml', rss('Direct'), 200, { link: '<https://hub.example.com/>; rel="hub"' }),
    // Announced in the Link header only, with a hub in the document.
    '/header/': send('text/html', html(''), 200, { link: '</header/feed.atom>; rel="alternate"; type="application/atom+xml"' }),
    '/header/feed.atom': send(
      'application/atom+xml',
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>Header Atom</title><link rel="hub" href="http://127.0.0.1:9/hub"/><entry><id>1</id><title>x</title></entry></feed>',
    ),
    // Announced feeds the polite client must refuse: a private address, robots.txt, a broken document.
    '/refused/': send(
      'text/html',
      html(`<link rel="alternate" type="application/rss+xml" href="http://10.1.2.3/feed.xml">
        <link rel="alternate" type="application/atom+xml" href="/private/feed.xml">
        <link rel="alternate" type="application/feed+json" href="/refused/feed.json">`),
    ),
    '/refused/feed.json': send('application/feed+json', '{"version": "https://jsonfeed.org/version/1.1", "items": [ {'),
  };
  server = createServer((req, res) => {
    const r = routes[(req.url ?? '').split('?')[0]!];
    if (r) r(req, res);
    else send('text/html', notFoundPage, 404)(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await http.close();
  await demo.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  redis.disconnect();
});

describe('discoverFeeds', () => {
  it('finds every feed each demo outlet announces, checked by parsing', async () => {
    for (const source of demo.sources) {
      const r = await discoverFeeds(http, source.homepage);
      expect(r.error).toBeUndefined();
      expect(r.feeds.map((f) => [f.url, f.via, f.format])).toEqual(
        source.feeds.map((f) => [f.url, 'link', { rss2: 'rss', atom1: 'atom', 'jsonfeed1.1': 'json' }[f.format]]),
      );
      expect(r.feeds.every((f) => f.entries > 0 && !!f.title)).toBe(true);
      expect(r.rejected).toEqual([]);
    }
  });

  it('refuses an announced feed that is an HTML error page answered with 200', async () => {
    const r = await discoverFeeds(http, `${base}/soft404/`, { wellKnown: false });
    expect(r.feeds).toEqual([]);
    expect(r.rejected).toEqual([{ url: `${base}/soft404/feed.xml`, via: 'link', reason: expect.stringMatching(/^not-a-feed: .*<html>/) }]);
  });

  it('falls back to well-known paths, skipping HTML pages and 404s, and stops at the first feed', async () => {
    const r = await discoverFeeds(http, `${base}/plain/`);
    expect(r.feeds).toEqual([{ url: `${base}/plain/rss.xml`, via: 'well-known', format: 'rss', title: 'Plain RSS', entries: 1, hubs: [] }]);
    expect(r.rejected.map((x) => [x.url, x.reason.split(':')[0]])).toEqual([
      [`${base}/plain/feed`, 'not-a-feed'],
      [`${base}/plain/rss`, 'http-status'],
    ]);
  });

  it('offers the site URL itself when it is a feed, with the hub of its Link header', async () => {
    const r = await discoverFeeds(http, `${base}/direct.xml`);
    expect(r.feeds).toEqual([
      { url: `${base}/direct.xml`, via: 'direct', format: 'rss', title: 'Direct', entries: 1, hubs: ['https://hub.example.com/'] },
    ]);
  });

  it('reads feeds announced in the Link response header', async () => {
    const r = await discoverFeeds(http, `${base}/header/`);
    expect(r.feeds).toEqual([
      {
        url: `${base}/header/feed.atom`,
        via: 'link-header',
        format: 'atom',
        title: 'Header Atom',
        entries: 1,
        hubs: ['http://127.0.0.1:9/hub'],
      },
    ]);
  });

  it('refuses private addresses, robots.txt-disallowed paths and broken documents, each with its reason', async () => {
    const r = await discoverFeeds(http, `${base}/refused/`, { wellKnown: false });
    expect(r.feeds).toEqual([]);
    expect(r.rejected.map((x) => [x.url, x.reason.split(':')[0]])).toEqual([
      ['http://10.1.2.3/feed.xml', 'ssrf-blocked'],
      [`${base}/private/feed.xml`, 'robots-disallowed'],
      [`${base}/refused/feed.json`, 'malformed'],
    ]);
  });

  it('reports a site it cannot reach, and a site with no feed at all', async () => {
    const down = await discoverFeeds(http, 'http://127.0.0.1:9/');
    expect(down.error).toMatch(/ECONNREFUSED/);
    const none = await discoverFeeds(http, `${demo.url}/`);
    expect(none.feeds).toEqual([]);
    expect(none.rejected.length).toBeGreaterThanOrEqual(8);
    expect(none.rejected.every((x) => x.via === 'well-known' && /^http-status/.test(x.reason))).toBe(true);
  });

  it('reads the sitemaps robots.txt names and counts their news URLs and other-host refusals', async () => {
    let origin = '';
    const site = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/robots.txt')
        return void res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`User-agent: *\nAllow: /\nSitemap: ${origin}/news-sitemap.xml\nSitemap: /missing.xml\n`);
      if (path === '/') return send('text/html', html('<link rel="alternate" type="application/rss+xml" href="/rss.xml">'))(req, res);
      if (path === '/rss.xml') return send('application/rss+xml', rss('Site RSS'))(req, res);
      if (path === '/news-sitemap.xml')
        return send(
          'application/xml',
          `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
            <url><loc>${origin}/a</loc><news:news><news:title>A</news:title><news:publication_date>${new Date().toISOString()}</news:publication_date></news:news></url>
            <url><loc>${origin}/b</loc></url><url><loc>https://elsewhere.example.com/c</loc></url></urlset>`,
        )(req, res);
      send('text/html', notFoundPage, 404)(req, res);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    try {
      const r = await discoverFeeds(http, `${origin}/`);
      expect(r.feeds.map((f) => f.url)).toEqual([`${origin}/rss.xml`]);
      expect(r.sitemaps).toEqual([{ url: `${origin}/news-sitemap.xml`, via: 'robots', kind: 'urlset', urls: 2, news: 1, refused: 1 }]);
      expect(r.rejected).toEqual([{ url: `${origin}/missing.xml`, via: 'robots', reason: expect.stringMatching(/^http-status/) }]);
    } finally {
      site.closeAllConnections();
      await new Promise((res) => site.close(res));
    }
  });
});
