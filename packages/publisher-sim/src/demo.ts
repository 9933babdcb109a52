import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LangBank, Topic } from './banks';
import { DEMO_SOURCES, contentFor, type DemoFeed, type DemoSource } from './catalog';
import { composeArticle, rng } from './compose';
import {
  ROBOTS_TXT,
  baseUrlFor,
  floorToSecond,
  nextLastModified,
  representation,
  sendRepresentation,
  sendText,
  type Representation,
} from './http';
import { createWebSubHub, type WebSubHub } from './hub';
import { FEED_MIME, esc, renderArticlePage, renderFeed, renderHomePage, type Entry, type FeedContext, type PageContext } from './render';

export interface ResolvedFeed extends DemoFeed {
  /** Absolute feed URL. */
  url: string;
}

export interface ResolvedSource extends Omit<DemoSource, 'feeds'> {
  /** Absolute home page URL. */
  homepage: string;
  feeds: ResolvedFeed[];
}

export interface PublishedEntry {
  sourceKey: string;
  feedUrl: string;
  guid: string;
  url: string;
  title: string;
  author: string;
  lang: string;
  categories: string[];
  /** ISO 8601 */
  publishedAt: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  userAgent: string | undefined;
  at: number;
}

export interface DemoPublisherOptions {
  host?: string;
  port?: number;
  /** Base URL written into feeds and pages; defaults to http://host:port (0.0.0.0 → 127.0.0.1). */
  publicUrl?: string;
  /** Clock for the entries' dates (tests); defaults to the real start time. */
  now?: Date;
  /** Run a WebSub hub at `/hub` that every feed advertises and `publish()` notifies. Default true. */
  hub?: boolean;
}

export interface DemoPublisher {
  url: string;
  port: number;
  sources: ResolvedSource[];
  /** Adds a new entry (now) to a feed of the source (round-robin over its feeds), or of any source when omitted. */
  publish(sourceKey?: string): PublishedEntry;
  /** Every entry ever published (initial and runtime), newest first; optionally of one source. */
  entries(sourceKey?: string): PublishedEntry[];
  /** The last requests served (at most 5,000), oldest first. */
  requestLog(): RequestRecord[];
  /** The WebSub hub at `<url>/hub`, unless started with `hub: false`. */
  hub?: WebSubHub;
  close(): Promise<void>;
}

interface FeedState {
  source: DemoSource;
  feed: DemoFeed;
  feedUrl: string;
  bank: LangBank;
  topics: Topic[];
  /** Oldest first. */
  entries: Entry[];
  nextSeq: number;
  lastModified: Date;
  cache: Representation | undefined;
  feedCtx: FeedContext;
  pageCtx: PageContext;
  titles: Set<string>;
}

const LOG_LIMIT = 5000;

function toPublished(st: FeedState, e: Entry): PublishedEntry {
  return {
    sourceKey: st.source.key,
    feedUrl: st.feedUrl,
    guid: e.guid,
    url: e.url,
    title: e.content.title,
    author: e.content.author,
    lang: e.content.lang,
    categories: e.content.tags,
    publishedAt: e.publishedAt.toISOString(),
  };
}

function rootPage(sources: ResolvedSource[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Newsline demo publisher</title></head>
<body>
<h1>Newsline demo publisher</h1>
<p>Invented outlets serving feeds and article pages for demos and tests.</p>
<ul>
${sources
  .map(
    (s) =>
      `<li><a href="${esc(s.homepage)}">${esc(s.name)}</a> (${esc(s.languages.join(', '))}): ${s.feeds.map((f) => `<a href="${esc(f.url)}">${esc(f.format)} ${esc(f.charset)}</a>`).join(', ')}</li>`,
  )
  .join('\n')}
</ul>
</body>
</html>
`;
}

/** Starts the demo publisher: feeds, article pages, home pages and robots.txt of DEMO_SOURCES. */
export async function startDemoPublisher(options: DemoPublisherOptions = {}): Promise<DemoPublisher> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = (options.publicUrl ?? baseUrlFor(host, port)).replace(/\/$/, '');
  const startedAt = options.now ?? new Date();
  const runId = startedAt.getTime().toString(36);
  const hubUrl = options.hub === false ? undefined : `${url}/hub`;
  const idYear = startedAt.getUTCFullYear();

  const sources: ResolvedSource[] = DEMO_SOURCES.map((s) => ({
    ...s,
    languages: [...s.languages],
    homepage: url + s.homepage,
    feeds: s.feeds.map((f) => ({ ...f, url: url + f.path })),
  }));

  const feeds: FeedState[] = [];
  const articles = new Map<string, { st: FeedState; entry: Entry; cache?: Representation }>();
  const homepages = new Map<string, FeedState>();
  const feedsByPath = new Map<string, FeedState>();

  const makeEntry = (st: FeedState, seq: number, publishedAt: Date, runtime: boolean): Entry => {
    const salt = `${st.feed.path}${runtime ? `:${runId}` : ''}`;
    const content = composeArticle(st.bank, st.topics, seq, salt);
    // Titles stay unique within a feed even after the topic × place combinations repeat.
    let title = content.title;
    for (let k = 2; st.titles.has(title); k++) title = `${content.title} (${k})`;
    content.title = title;
    st.titles.add(title);
    const d = publishedAt.toISOString();
    const id = runtime ? `${runId}-${seq}` : String(seq);
    const path = `/${st.source.key}/${st.feed.section}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${content.topicKey}-${content.placeSlug}-${id}.html`;
    return {
      seq,
      guid: `tag:${st.source.key}.demo.newsline.test,${idYear}:${st.feed.section}/${id}`,
      url: url + path,
      path,
      content,
      publishedAt,
    };
  };

  for (const source of DEMO_SOURCES) {
    for (const feed of source.feeds) {
      const { bank, topics } = contentFor(source, feed);
      const feedUrl = url + feed.path;
      const homepageUrl = url + source.homepage;
      const st: FeedState = {
        source,
        feed,
        feedUrl,
        bank,
        topics,
        entries: [],
        nextSeq: 0,
        lastModified: new Date(0),
        cache: undefined,
        titles: new Set(),
        feedCtx: {
          title: feed.title,
          description: `${source.name}: ${feed.section} (simulated feed)`,
          lang: bank.lang,
          charset: feed.charset,
          siteName: source.name,
          homepageUrl,
          feedUrl,
          attribution: source.attribution,
          idBase: `tag:${source.key}.demo.newsline.test,${idYear}:${feed.section}`,
          ...(hubUrl ? { hubUrl } : {}),
        },
        pageCtx: {
          bank,
          charset: feed.charset,
          siteName: source.name,
          sourceKey: source.key,
          homepageUrl,
          feedUrl,
          feedFormat: feed.format,
          attribution: source.attribution,
          logoUrl: `${homepageUrl}logo.png`,
        },
      };
      // Initial entries: newest a few minutes before start, each older one 7–25 minutes earlier.
      const r = rng(feed.path);
      let t = startedAt.getTime() - (3 + Math.floor(r() * 8)) * 60_000;
      const times: Date[] = [];
      for (let i = 0; i < feed.initialEntries; i++) {
        times.unshift(floorToSecond(new Date(t - Math.floor(r() * 50) * 1000)));
        t -= (7 + Math.floor(r() * 19)) * 60_000;
      }
      for (const at of times) {
        const e = makeEntry(st, st.nextSeq++, at, false);
        st.entries.push(e);
        articles.set(e.path, { st, entry: e });
      }
      st.lastModified = times[times.length - 1] ?? floorToSecond(startedAt);
      feeds.push(st);
      feedsByPath.set(feed.path, st);
      if (!homepages.has(source.homepage)) homepages.set(source.homepage, st);
    }
  }

  const feedRep = (st: FeedState): Representation => {
    if (!st.cache) {
      const visible = st.entries.slice(-st.feed.initialEntries).reverse();
      st.cache = representation(
        renderFeed(st.feed.format, st.feedCtx, visible),
        FEED_MIME[st.feed.format],
        st.feed.charset,
        st.lastModified,
      );
    }
    return st.cache;
  };

  const related = (st: FeedState, e: Entry): Entry[] => {
    const idx = st.entries.indexOf(e);
    const older = st.entries.slice(Math.max(0, idx - 3), idx).reverse();
    return older.length >= 3 ? older : [...older, ...st.entries.slice(idx + 1, idx + 1 + 3 - older.length)];
  };

  const feedsByUrl = new Map(feeds.map((f) => [f.feedUrl, f]));
  const hub = hubUrl
    ? createWebSubHub({
        url: hubUrl,
        fetchTopic: (topic) => {
          const st = feedsByUrl.get(topic);
          if (!st) return undefined;
          const rep = feedRep(st);
          return { body: rep.body, contentType: rep.contentType };
        },
      })
    : undefined;

  const log: RequestRecord[] = [];
  const rootRep = representation(rootPage(sources), 'text/html', 'utf-8', startedAt);
  const robotsRep = representation(ROBOTS_TXT, 'text/plain', 'utf-8', startedAt);

  const handle = (req: IncomingMessage, res: ServerResponse): number => {
    const isHub = hub !== undefined && (req.url ?? '').split('?')[0] === '/hub';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !isHub)
      return sendText(req, res, 405, 'method not allowed\n', undefined, { Allow: 'GET, HEAD' });
    const path = decodeURI(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/robots.txt') return sendRepresentation(req, res, robotsRep);
    if (path === '/') return sendRepresentation(req, res, rootRep);
    if (hub && path === '/hub') {
      hub.handle(req, res);
      return 202;
    }
    const st = feedsByPath.get(path);
    if (st) {
      // WebSub §4: the hub and the topic URL are advertised in the Link header too.
      if (hubUrl) res.setHeader('Link', `<${hubUrl}>; rel="hub", <${st.feedUrl}>; rel="self"`);
      return sendRepresentation(req, res, feedRep(st));
    }
    const art = articles.get(path);
    if (art) {
      art.cache ??= representation(
        renderArticlePage(art.st.pageCtx, art.entry, related(art.st, art.entry)),
        'text/html',
        art.st.feed.charset,
        art.entry.publishedAt,
      );
      return sendRepresentation(req, res, art.cache);
    }
    const home = homepages.get(path);
    if (home) {
      const all = feeds.filter((f) => f.source.key === home.source.key).flatMap((f) => f.entries);
      all.sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
      const latest = feeds
        .filter((f) => f.source.key === home.source.key)
        .reduce((d, f) => (f.lastModified > d ? f.lastModified : d), new Date(0));
      return sendRepresentation(
        req,
        res,
        representation(
          renderHomePage(
            home.pageCtx,
            all.slice(0, 30),
            feeds
              .filter((f) => f.source.key === home.source.key)
              .map((f) => ({ url: f.feedUrl, format: f.feed.format, title: f.feed.title })),
          ),
          'text/html',
          home.feed.charset,
          latest,
        ),
      );
    }
    if (path.startsWith('/private/')) {
      return sendText(
        req,
        res,
        200,
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Staff only</title></head><body><h1>Staff only</h1><p>Draft stories. Crawlers must not fetch this (robots.txt).</p></body></html>\n',
        'text/html; charset=utf-8',
      );
    }
    return sendText(
      req,
      res,
      404,
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><h1>Not found</h1></body></html>\n',
      'text/html; charset=utf-8',
    );
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let status: number;
    try {
      status = handle(req, res);
    } catch {
      status = res.headersSent ? res.statusCode : sendText(req, res, 400, 'bad request\n');
    }
    log.push({ method: req.method ?? '', path: req.url ?? '', status, userAgent: req.headers['user-agent'], at: Date.now() });
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
  });

  let rr = 0;
  const rrBySource = new Map<string, number>();
  const publish = (sourceKey?: string): PublishedEntry => {
    let st: FeedState | undefined;
    if (sourceKey === undefined) {
      st = feeds[rr++ % feeds.length];
    } else {
      const own = feeds.filter((f) => f.source.key === sourceKey);
      if (own.length === 0) throw new Error(`unknown demo source "${sourceKey}"; known: ${DEMO_SOURCES.map((s) => s.key).join(', ')}`);
      const i = rrBySource.get(sourceKey) ?? 0;
      rrBySource.set(sourceKey, i + 1);
      st = own[i % own.length];
    }
    if (!st) throw new Error('no feeds');
    const now = new Date();
    const entry = makeEntry(st, st.nextSeq++, floorToSecond(now), true);
    st.entries.push(entry);
    st.lastModified = nextLastModified(st.lastModified, now);
    st.cache = undefined;
    articles.set(entry.path, { st, entry });
    // Subscribers get the new feed document at once (delivery runs in the background).
    void hub?.publish(st.feedUrl).catch(() => undefined);
    return toPublished(st, entry);
  };

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    sources,
    publish,
    entries: (sourceKey) =>
      feeds
        .filter((f) => sourceKey === undefined || f.source.key === sourceKey)
        .flatMap((f) => f.entries.map((e) => toPublished(f, e)))
        .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt)),
    requestLog: () => [...log],
    ...(hub ? { hub } : {}),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
