import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { EN, EN_TOPICS_NEWS, EN_TOPICS_SCIENCE } from './banks';
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
import { startWebSubHub, type WebSubHub } from './hub';
import { renderRss, renderSmallArticlePage, type Entry } from './render';

export type FaultMode = 'hang' | 'error500' | 'rateLimit429';

export interface FarmOptions {
  /** Number of distinct hosts (one listener per loopback address). */
  hosts: number;
  feedsPerHost: number;
  /** Entries in each feed at start (default 10). */
  entriesPerFeed?: number;
  /** Entries a feed lists (newest first; default max(entriesPerFeed, 20)). Older entries keep their pages. */
  feedWindow?: number;
  /** When set, one new entry is published every publishEveryMs, round-robin over all feeds. */
  publishEveryMs?: number;
  /** Cap on entries the timer publishes (default 10,000); manual publish() is not capped. */
  maxEntries?: number;
  /** Loopback addresses (127.0.0.0/8), one per host; default 127.0.0.1, 127.0.0.2, … */
  bindAddresses?: string[];
  /** Port for every listener (default 0: each its own free port). */
  port?: number;
  /** Run one WebSub hub (own listener on 127.0.0.1) that every feed advertises and publish() notifies. Default false. */
  hub?: boolean;
}

export interface FarmHost {
  index: number;
  address: string;
  port: number;
  /** Base URL, e.g. http://127.0.0.3:40123 */
  url: string;
  feedUrls: string[];
}

export interface FarmEntry {
  url: string;
  guid: string;
  feedUrl: string;
  hostIndex: number;
  feedIndex: number;
  title: string;
  /** ISO 8601 */
  publishedAt: string;
}

export interface FarmHostStats {
  index: number;
  address: string;
  requests: number;
  /** Most requests that arrived at this host within any 1-second window. */
  maxRatePerSec: number;
  byKind: { robots: number; feed: number; article: number; other: number };
  /** Requests answered (or held) by a fault mode. */
  faulted: number;
}

export interface FarmStats {
  /** Requests received by all hosts. */
  requests: number;
  /** The highest per-host rate: max over hosts of the requests arriving at one host within any 1 s window. */
  perHostMaxRatePerSec: number;
  /** Entries published (initial and runtime). */
  published: number;
  perHost: FarmHostStats[];
}

export interface PublisherFarm {
  hosts: FarmHost[];
  feedUrls: string[];
  stats(): FarmStats;
  /** Ground truth: every entry ever published, in publication order. */
  publishedEntries(): FarmEntry[];
  /** Publishes one entry now: to the given feed, or round-robin over all feeds. */
  publish(hostIndex?: number, feedIndex?: number): FarmEntry;
  /** The farm's WebSub hub (with `hub: true`). */
  hub?: WebSubHub;
  /** Sets (or clears with null) a host's fault mode; applies to every path including robots.txt. */
  setFault(hostIndex: number, mode: FaultMode | null, opts?: { retryAfterSec?: number }): void;
  /** Zeroes request counters and rate windows (e.g. after a warm-up). */
  resetStats(): void;
  close(): Promise<void>;
}

const LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isLoopbackV4(addr: string): boolean {
  const m = LOOPBACK.exec(addr);
  return !!m && m.slice(1).every((o) => Number(o) <= 255) && Number(m[3]) !== 0 && Number(m[3]) !== 255;
}

/** 127.0.0.1 … 127.0.0.254, then 127.0.1.1 … */
export function defaultLoopbackAddresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.${Math.floor(i / 254)}.${(i % 254) + 1}`);
}

interface FeedState {
  hostIndex: number;
  feedIndex: number;
  path: string;
  url: string;
  entries: Entry[];
  nextSeq: number;
  lastModified: Date;
  cache: Representation | undefined;
}

interface HostState {
  index: number;
  address: string;
  server: Server;
  port: number;
  url: string;
  feeds: FeedState[];
  articles: Map<string, { feed: FeedState; entry: Entry; cache?: Representation }>;
  fault: FaultMode | null;
  retryAfterSec: number;
  hung: Set<ServerResponse>;
  sockets: Set<Socket>;
  stats: { requests: number; maxRate: number; window: number[]; head: number; byKind: FarmHostStats['byKind']; faulted: number };
}

const TOPICS = [...EN_TOPICS_NEWS, ...EN_TOPICS_SCIENCE];

export async function startPublisherFarm(options: FarmOptions): Promise<PublisherFarm> {
  const { hosts: hostCount, feedsPerHost } = options;
  if (!Number.isInteger(hostCount) || hostCount < 1) throw new Error('hosts must be a positive integer');
  if (!Number.isInteger(feedsPerHost) || feedsPerHost < 1) throw new Error('feedsPerHost must be a positive integer');
  const entriesPerFeed = options.entriesPerFeed ?? 10;
  const feedWindow = options.feedWindow ?? Math.max(entriesPerFeed, 20);
  const maxEntries = options.maxEntries ?? 10_000;
  const addresses = options.bindAddresses ?? defaultLoopbackAddresses(hostCount);
  if (addresses.length < hostCount) throw new Error(`bindAddresses has ${addresses.length} addresses for ${hostCount} hosts`);
  for (const a of addresses.slice(0, hostCount))
    if (!isLoopbackV4(a)) throw new Error(`refusing to bind ${a}: only 127.0.0.0/8 loopback addresses are allowed`);
  if (new Set(addresses.slice(0, hostCount)).size !== hostCount) throw new Error('bindAddresses must be distinct');

  const startedAt = new Date();
  const hosts: HostState[] = [];
  const feedsByUrl = new Map<string, FeedState>();
  const hub = options.hub
    ? await startWebSubHub({
        fetchTopic: (topic) => {
          const f = feedsByUrl.get(topic);
          if (!f) return undefined;
          const rep = feedRep(hosts[f.hostIndex]!, f);
          return { body: rep.body, contentType: rep.contentType };
        },
      })
    : undefined;
  const published: FarmEntry[] = [];
  const allFeeds: FeedState[] = [];

  const makeEntry = (h: HostState, f: FeedState, publishedAt: Date): Entry => {
    const seq = f.nextSeq++;
    const content = composeArticle(EN, TOPICS, seq + f.feedIndex * 7 + h.index * 13, `farm:${h.index}:${f.feedIndex}:${seq}`);
    const tag = `${h.index}.${f.feedIndex}.${seq}`;
    // The bulletin number keeps titles unique across the whole farm (no accidental duplicates).
    content.title = `${content.title} (bulletin ${tag})`;
    content.paragraphs = content.paragraphs.slice(0, 4);
    const path = `/articles/${f.feedIndex}/${seq}.html`;
    const entry: Entry = { seq, guid: `${h.url}/articles/${f.feedIndex}/${seq}`, url: h.url + path, path, content, publishedAt };
    h.articles.set(path, { feed: f, entry });
    f.entries.push(entry);
    published.push({
      url: entry.url,
      guid: entry.guid,
      feedUrl: f.url,
      hostIndex: h.index,
      feedIndex: f.feedIndex,
      title: content.title,
      publishedAt: publishedAt.toISOString(),
    });
    return entry;
  };

  const record = (h: HostState, kind: keyof FarmHostStats['byKind']) => {
    const s = h.stats;
    const t = performance.now();
    s.requests++;
    s.byKind[kind]++;
    s.window.push(t);
    while (s.head < s.window.length && (s.window[s.head] as number) <= t - 1000) s.head++;
    if (s.head > 1024) {
      s.window = s.window.slice(s.head);
      s.head = 0;
    }
    s.maxRate = Math.max(s.maxRate, s.window.length - s.head);
  };

  const feedRep = (h: HostState, feed: FeedState): Representation =>
    (feed.cache ??= representation(
      renderRss(
        {
          title: `Simulated host ${h.index} feed ${feed.feedIndex}`,
          description: 'Publisher farm feed',
          lang: 'en',
          charset: 'utf-8',
          siteName: `Farm host ${h.index}`,
          homepageUrl: `${h.url}/`,
          feedUrl: feed.url,
          attribution: `© Farm host ${h.index} (simulated publisher)`,
          idBase: feed.url,
          ...(hub ? { hubUrl: hub.url } : {}),
        },
        feed.entries.slice(-feedWindow).reverse(),
      ),
      'application/rss+xml',
      'utf-8',
      feed.lastModified,
    ));

  const handler = (h: HostState) => (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const kind =
      path === '/robots.txt' ? 'robots' : path.startsWith('/feeds/') ? 'feed' : path.startsWith('/articles/') ? 'article' : 'other';
    record(h, kind);
    if (h.fault) {
      h.stats.faulted++;
      if (h.fault === 'hang') {
        h.hung.add(res);
        res.on('close', () => h.hung.delete(res));
        return;
      }
      if (h.fault === 'error500') return void sendText(req, res, 500, 'internal server error (simulated)\n');
      return void sendText(req, res, 429, 'too many requests (simulated)\n', undefined, { 'Retry-After': String(h.retryAfterSec) });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return void sendText(req, res, 405, 'method not allowed\n', undefined, { Allow: 'GET, HEAD' });
    if (path === '/robots.txt') return void sendText(req, res, 200, ROBOTS_TXT);
    const feed = h.feeds.find((f) => f.path === path);
    if (feed) return void sendRepresentation(req, res, feedRep(h, feed));
    const art = h.articles.get(path);
    if (art) {
      art.cache ??= representation(
        renderSmallArticlePage(art.entry, `Farm host ${h.index}`, art.feed.url),
        'text/html',
        'utf-8',
        art.entry.publishedAt,
      );
      return void sendRepresentation(req, res, art.cache);
    }
    if (path === '/') {
      return void sendText(
        req,
        res,
        200,
        `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Farm host ${h.index}</title></head><body><ul>${h.feeds.map((f) => `<li><a href="${f.url}">${f.path}</a></li>`).join('')}</ul></body></html>\n`,
        'text/html; charset=utf-8',
      );
    }
    return void sendText(req, res, 404, 'not found\n');
  };

  const closeHost = (h: HostState) =>
    new Promise<void>((resolve) => {
      for (const res of h.hung) res.destroy();
      h.server.close(() => resolve());
      h.server.closeAllConnections();
      for (const s of h.sockets) s.destroy();
    });

  try {
    for (let i = 0; i < hostCount; i++) {
      const address = addresses[i]!;
      const server = createServer();
      const h: HostState = {
        index: i,
        address,
        server,
        port: 0,
        url: '',
        feeds: [],
        articles: new Map(),
        fault: null,
        retryAfterSec: 2,
        hung: new Set(),
        sockets: new Set(),
        stats: { requests: 0, maxRate: 0, window: [], head: 0, byKind: { robots: 0, feed: 0, article: 0, other: 0 }, faulted: 0 },
      };
      server.on('connection', (s: Socket) => {
        h.sockets.add(s);
        s.on('close', () => h.sockets.delete(s));
      });
      server.on('request', handler(h));
      hosts.push(h);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      h.port = (server.address() as AddressInfo).port;
      h.url = baseUrlFor(address, h.port);
      for (let f = 0; f < feedsPerHost; f++) {
        const path = `/feeds/${f}.xml`;
        const feed: FeedState = {
          hostIndex: i,
          feedIndex: f,
          path,
          url: h.url + path,
          entries: [],
          nextSeq: 0,
          lastModified: new Date(0),
          cache: undefined,
        };
        h.feeds.push(feed);
        allFeeds.push(feed);
        feedsByUrl.set(feed.url, feed);
        const r = rng(`farm:${i}:${f}`);
        let t = startedAt.getTime() - (1 + Math.floor(r() * 10)) * 60_000 - (entriesPerFeed - 1) * 5 * 60_000;
        for (let e = 0; e < entriesPerFeed; e++) {
          makeEntry(h, feed, floorToSecond(new Date(t)));
          t += (2 + Math.floor(r() * 7)) * 60_000;
        }
        feed.lastModified = feed.entries[feed.entries.length - 1]?.publishedAt ?? floorToSecond(startedAt);
      }
    }
  } catch (err) {
    await Promise.all(hosts.map(closeHost));
    await hub?.close();
    throw err;
  }

  let rr = 0;
  const publish = (hostIndex?: number, feedIndex?: number): FarmEntry => {
    let feed: FeedState | undefined;
    if (hostIndex === undefined) feed = allFeeds[rr++ % allFeeds.length];
    else feed = hosts[hostIndex]?.feeds[feedIndex ?? 0];
    if (!feed) throw new Error(`no feed ${hostIndex}/${feedIndex ?? 0}`);
    const h = hosts[feed.hostIndex]!;
    const now = new Date();
    makeEntry(h, feed, floorToSecond(now));
    feed.lastModified = nextLastModified(feed.lastModified, now);
    feed.cache = undefined;
    // Subscribers get the new feed document at once (delivery runs in the background).
    void hub?.publish(feed.url).catch(() => undefined);
    return published[published.length - 1]!;
  };

  let timer: NodeJS.Timeout | undefined;
  let timerPublished = 0;
  if (options.publishEveryMs !== undefined && options.publishEveryMs > 0 && maxEntries > 0) {
    timer = setInterval(() => {
      publish();
      if (++timerPublished >= maxEntries && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    }, options.publishEveryMs);
    timer.unref();
  }

  let closed: Promise<void> | undefined;
  return {
    hosts: hosts.map((h) => ({ index: h.index, address: h.address, port: h.port, url: h.url, feedUrls: h.feeds.map((f) => f.url) })),
    feedUrls: allFeeds.map((f) => f.url),
    stats: () => {
      const perHost = hosts.map((h) => ({
        index: h.index,
        address: h.address,
        requests: h.stats.requests,
        maxRatePerSec: h.stats.maxRate,
        byKind: { ...h.stats.byKind },
        faulted: h.stats.faulted,
      }));
      return {
        requests: perHost.reduce((n, h) => n + h.requests, 0),
        perHostMaxRatePerSec: perHost.reduce((m, h) => Math.max(m, h.maxRatePerSec), 0),
        published: published.length,
        perHost,
      };
    },
    publishedEntries: () => [...published],
    publish,
    ...(hub ? { hub } : {}),
    setFault: (hostIndex, mode, opts) => {
      const h = hosts[hostIndex];
      if (!h) throw new Error(`no host ${hostIndex}`);
      h.fault = mode;
      h.retryAfterSec = opts?.retryAfterSec ?? 2;
    },
    resetStats: () => {
      for (const h of hosts)
        h.stats = { requests: 0, maxRate: 0, window: [], head: 0, byKind: { robots: 0, feed: 0, article: 0, other: 0 }, faulted: 0 };
    },
    close: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      return (closed ??= Promise.all([...hosts.map(closeHost), hub?.close()]).then(() => undefined));
    },
  };
}
