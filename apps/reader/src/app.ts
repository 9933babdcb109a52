import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeCursor, decodeEvent, encodeCursor, EVENTS_CHANNEL } from '@newsline/domain';
import type { Logger } from '@newsline/logger';
import { queryTerms } from '@newsline/search';
import { pageOfArticles, takedownModel, tombstoneModel, type PageQuery, type Store } from '@newsline/store';
import { tombstoneId } from '@newsline/takedowns';
import type Redis from 'ioredis';
import { Types } from 'mongoose';
import { atom, FEED_TYPES, jsonFeed, rss } from './feeds';
import { html, jsonLd, page, raw, type Html } from './html';

export interface ReaderOptions {
  store: Store;
  /** A connection of its own for SUBSCRIBE (a subscribed ioredis client can run nothing else). */
  sub?: Redis;
  log?: Logger;
  gatewayUrl: string;
  cachePages?: number;
  csrfSecret?: string;
  /** Absolute origin of our pages, for feeds' links. */
  publicUrl?: string;
}

/** A 4xx the client caused: answered with its status and a short page, never a 500. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Rendered {
  status: number;
  type?: string;
  body: string;
  etag: string;
  lastModified?: string;
}

/** Least-recently-used rendered pages: a Map keeps insertion order, so re-inserting marks use. */
class Lru {
  private m = new Map<string, Rendered>();
  constructor(private max: number) {}
  get(k: string): Rendered | undefined {
    const v = this.m.get(k);
    if (v) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: Rendered): void {
    if (this.max === 0) return;
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
  delete(k: string): void {
    this.m.delete(k);
  }
  clear(): void {
    this.m.clear();
  }
  keys(): string[] {
    return [...this.m.keys()];
  }
  get size(): number {
    return this.m.size;
  }
}

const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('base64url')}"`;
const LIST_SIZE = 30;
const ID = /^[0-9a-f]{24}$/;
const LANG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const COUNTRY = /^[A-Z]{2}$/;
const REMOVED_MEMORY = 100_000;
const QUERY_CHARS = 500;
/** What a request's status means for the person who sent it (nothing happens before the address is proven). */
const STATUS_TEXT: Record<string, string> = {
  unconfirmed: 'We mailed a confirmation link to the address you gave. Nothing is removed until you follow it; unconfirmed requests expire.',
  expired: 'The confirmation link was not used in time, so nothing was removed. You can send the request again.',
  received: 'Your address is confirmed; the request is waiting for a decision.',
  reviewing: 'Your address is confirmed; the request is being reviewed.',
  approved: 'Approved: the content is being removed.',
  enforced: 'Removed. The decision was mailed to you with how to contest it.',
  rejected: 'Refused. The reasons and how to contest the decision were mailed to you.',
};
const SECTION = /^[\p{L}\p{N} _-]{1,64}$/u;

const fmtDate = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '');

export function createReader(o: ReaderOptions) {
  const { store } = o;
  const cache = new Lru(o.cachePages ?? 5_000);
  // Ids announced removed: a removed article is deleted from the store, so this is how a later
  // request for it gets 410 rather than 404 (a URL tombstone covers an article still present).
  const removed = new Set<string>();
  const secret = o.csrfSecret ?? randomBytes(32).toString('hex');
  const stats = { renders: 0, hits: 0 };
  const publicUrl = (o.publicUrl ?? 'http://127.0.0.1:4030').replace(/\/$/, '');

  o.sub?.on('message', (channel: string, msg: string) => {
    try {
      onEvent(channel, msg);
    } catch (err) {
      o.log?.error({ err }, 'purge failed');
    }
  });
  const onEvent = (channel: string, msg: string) => {
    if (channel !== EVENTS_CHANNEL) return;
    const e = decodeEvent(msg);
    if (e?.type !== 'headline.removed') return;
    removed.add(e.articleId);
    if (removed.size > REMOVED_MEMORY) removed.delete(removed.values().next().value!);
    cache.delete(`/a/${e.articleId}`);
    // Listings may show the headline: drop them all (they are cheap to render again).
    for (const k of cache.keys()) if (!k.startsWith('/a/')) cache.delete(k);
    o.log?.info({ articleId: e.articleId }, 'purged removed article');
  };
  // Subscribe only once connected: ioredis' ready check (INFO) fails on a subscribed connection.
  const sub = o.sub;
  const ready = sub
    ? (async () => {
        if (sub.status !== 'ready') await new Promise((r) => sub.once('ready', r));
        await sub.subscribe(EVENTS_CHANNEL);
        // A reconnect means removals may have been missed: drop every rendered page.
        sub.on('ready', () => cache.clear());
      })()
    : Promise.resolve();

  const gone = (): Rendered => {
    const body = page({
      title: 'Removed',
      body: html`<h1>This article has been removed</h1><p>It was removed at the request of its owner or for legal reasons and is no longer available here.</p>`,
    });
    return { status: 410, body, etag: etagOf(body) };
  };

  // Source names change rarely: kept a minute per process.
  const sources = new Map<string, { at: number; v: { name: string } | null }>();
  async function sourceOf(id: string): Promise<{ name: string } | null> {
    const c = sources.get(id);
    if (c && Date.now() - c.at < 60_000) return c.v;
    const v = await store.Source.findById(id).select('name').lean();
    if (sources.size > 10_000) sources.clear();
    sources.set(id, { at: Date.now(), v: v ? { name: v.name } : null });
    return v ? { name: v.name } : null;
  }

  async function article(id: string): Promise<Rendered> {
    if (!ID.test(id)) throw new HttpError(400, 'not an article id');
    if (removed.has(id)) return gone();
    const a = await store.Article.findById(id).lean();
    if (!a) throw new HttpError(404, 'no such article');
    // One round after the article: tombstone, source and story together.
    const [tomb, source, story] = await Promise.all([
      tombstoneModel(store.conn).exists({ _id: tombstoneId({ kind: 'URL', key: a.urlKey }) }),
      sourceOf(String(a.sourceId)),
      a.storyId
        ? store.Article.find({ storyId: a.storyId, _id: { $ne: a._id } })
            .hint({ storyId: 1, publishedAt: -1, _id: -1 })
            .sort({ publishedAt: -1, _id: -1 })
            .limit(10)
            .select('title language publishedAt')
            .lean()
        : [],
    ]);
    if (tomb) return gone();
    // A publisher's opt-out (restricted extraction) shows headline, summary and link only.
    const restricted = a.extraction?.status === 'restricted' || !a.body;
    const removal = `/removal?url=${encodeURIComponent(a.sourceUrl)}`;
    const ld = {
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: a.title,
      datePublished: a.publishedAt.toISOString(),
      ...(a.authors?.length ? { author: a.authors.map((name) => ({ '@type': 'Person', name })) } : {}),
      ...(a.image ? { image: a.image } : {}),
      mainEntityOfPage: a.sourceUrl,
      publisher: { '@type': 'Organization', name: source?.name ?? a.siteName ?? a.attribution },
    };
    const head = html`<link rel="canonical" href="${a.sourceUrl}">
<meta name="description" content="${a.summary ?? ''}">
<meta property="og:type" content="article"><meta property="og:title" content="${a.title}">
<meta property="og:url" content="${a.sourceUrl}">${a.summary ? html`<meta property="og:description" content="${a.summary}">` : ''}
${a.image ? html`<meta property="og:image" content="${a.image}">` : ''}<meta property="og:site_name" content="${source?.name ?? a.attribution}">
<script type="application/ld+json">${jsonLd(ld)}</script>`;
    const body = html`<article lang="${a.language ?? 'und'}">
<h1>${a.title}</h1>
<p class="meta">${a.authors?.length ? html`By ${a.authors.join(', ')} · ` : ''}<time datetime="${a.publishedAt.toISOString()}">${fmtDate(a.publishedAt)}</time>
 · ${source ? html`<a href="/source/${String(a.sourceId)}">${source.name}</a>` : a.attribution}</p>
<p><a class="original" href="${a.sourceUrl}" rel="noopener">Read original article here</a></p>
${restricted ? html`<p>${a.summary ?? ''}</p><p class="meta">The publisher shows this article on its own site only.</p>` : html`<div class="body">${raw(a.body!)}</div>`}
<p class="meta">${a.attribution}</p>
</article>
${story.length ? html`<section><h2>More on this story</h2><ol class="list">${story.map((s) => html`<li lang="${s.language ?? 'und'}"><a href="/a/${String(s._id)}">${s.title}</a></li>`)}</ol></section>` : ''}
<p class="notice">Newsline shows this article with a link to its primary source. If you own it, you can <a href="${removal}" rel="nofollow">have it removed</a>.</p>`;
    const out = page({ title: a.title, lang: a.language, head, body });
    return { status: 200, body: out, etag: etagOf(out), lastModified: (a.modifiedAt ?? a.publishedAt).toUTCString() };
  }

  type ListRow = { _id: Types.ObjectId; title: string; summary?: string | null; language?: string | null; publishedAt: Date; sourceUrl: string };

  /** One page of a listing, newest first: the API's index-backed keyset pages and its cursors. */
  async function listPage(q: PageQuery, after: string | null): Promise<{ rows: ListRow[]; next?: string }> {
    const cursor = after ? decodeCursor(after) : undefined;
    if (after && !cursor) throw new HttpError(400, 'not a page cursor');
    const got = (await pageOfArticles(store, q, LIST_SIZE, cursor, 'title summary language publishedAt sourceUrl')) as unknown as ListRow[];
    const rows = got.slice(0, LIST_SIZE);
    const last = rows[rows.length - 1];
    return { rows, next: got.length > LIST_SIZE && last ? encodeCursor({ t: last.publishedAt.getTime(), id: String(last._id) }) : undefined };
  }

  async function feed(kind: keyof typeof FEED_TYPES, l: Listing, selfPath: string): Promise<Rendered> {
    const { rows } = await listPage(l.q, null);
    const items = rows.map((r) => ({ ...r, id: String(r._id) }));
    const meta = { title: l.title, home: `${publicUrl}${l.path}`, self: `${publicUrl}${selfPath}`, base: publicUrl, lang: l.lang };
    const body = kind === 'rss' ? rss(meta, items) : kind === 'atom' ? atom(meta, items) : jsonFeed(meta, items);
    return { status: 200, type: FEED_TYPES[kind], body, etag: etagOf(body), lastModified: (rows[0]?.publishedAt ?? new Date(0)).toUTCString() };
  }

  const searchForm = (q: string) =>
    html`<form class="search" action="/search" method="get" role="search"><input type="search" name="q" value="${q}" maxlength="${QUERY_CHARS}" aria-label="Search"> <button type="submit">Search</button></form>`;

  async function listing(l: Listing, after: string | null): Promise<Rendered> {
    const { rows, next } = l.q.none ? { rows: [], next: undefined } : await listPage(l.q, after);
    // The query string of the listing itself (a search keeps its q), for the next page's link.
    const more = (c: string) => `${l.path}?${new URLSearchParams({ ...(l.search !== undefined ? { q: l.search } : {}), after: c }).toString()}`;
    const feedBase = l.path === '/' ? '' : l.path;
    const feedQs = l.search !== undefined ? `?q=${encodeURIComponent(l.search)}` : '';
    const head = html`<link rel="alternate" type="application/rss+xml" href="${feedBase}/feed.rss${feedQs}"><link rel="alternate" type="application/atom+xml" href="${feedBase}/feed.atom${feedQs}"><link rel="alternate" type="application/feed+json" href="${feedBase}/feed.json${feedQs}">`;
    const body = html`${searchForm(l.search ?? '')}<h1>${l.title}</h1><ol class="list">${rows.map(
      (r) =>
        html`<li lang="${r.language ?? 'und'}"><a href="/a/${String(r._id)}">${r.title}</a> <span class="meta">${fmtDate(r.publishedAt)} · <a href="${r.sourceUrl}" rel="noopener">original</a></span></li>`,
    )}</ol>${rows.length ? '' : html`<p>${l.search !== undefined ? (l.search ? 'Nothing found.' : 'Type words to search every stored headline and article.') : after ? 'No older articles.' : 'No articles yet.'}</p>`}${
      next ? html`<p class="pager"><a rel="next" href="${more(next)}">Older articles</a></p>` : ''
    }<p class="meta">Feeds: <a href="${feedBase}/feed.rss${feedQs}">RSS</a> · <a href="${feedBase}/feed.atom${feedQs}">Atom</a> · <a href="${feedBase}/feed.json${feedQs}">JSON Feed</a></p>`;
    const out = page({ title: l.title, lang: l.lang, head, body });
    return { status: 200, body: out, etag: etagOf(out) };
  }

  interface Listing {
    title: string;
    /** The listing's own path (without `/feed.*`). */
    path: string;
    q: PageQuery;
    lang?: string;
    /** The search text, for the search listing. */
    search?: string;
  }

  /** The listing a path names (home, language, country, source, section, story, search), or undefined. */
  async function listingOf(path: string, qs: URLSearchParams): Promise<Listing | undefined> {
    let m: RegExpMatchArray | null;
    if (path === '/' || path === '') return { title: 'Latest news', path: '/', q: {} };
    if (path === '/search') {
      const text = (qs.get('q') ?? '').trim();
      if (text.length > QUERY_CHARS) throw new HttpError(400, `a search is at most ${QUERY_CHARS} characters`);
      const terms = text ? queryTerms(text) : [];
      // A query with no searchable word matches nothing (as the API's search), never everything.
      return { title: text ? `Search: ${text}` : 'Search', path, q: terms.length ? { terms } : { none: true }, search: text };
    }
    if ((m = path.match(/^\/lang\/([^/]+)$/))) {
      if (!LANG.test(m[1]!)) throw new HttpError(400, 'not a language code');
      return { title: `News in ${m[1]}`, path, q: { languages: [m[1]!] }, lang: m[1] };
    }
    if ((m = path.match(/^\/country\/([^/]+)$/))) {
      if (!COUNTRY.test(m[1]!)) throw new HttpError(400, 'not a country code');
      return { title: `News from ${m[1]}`, path, q: { countries: [m[1]!] } };
    }
    if ((m = path.match(/^\/section\/([^/]+)$/))) {
      const section = decodeURIComponent(m[1]!);
      if (!SECTION.test(section)) throw new HttpError(400, 'not a section name');
      return { title: `Section: ${section}`, path, q: { section } };
    }
    if ((m = path.match(/^\/source\/([^/]+)$/))) {
      if (!ID.test(m[1]!)) throw new HttpError(400, 'not a source id');
      const s = await sourceOf(m[1]!);
      if (!s) throw new HttpError(404, 'no such source');
      return { title: s.name, path, q: { sourceIds: [new Types.ObjectId(m[1])] } };
    }
    if ((m = path.match(/^\/story\/([^/]{1,100})$/))) return { title: 'Story', path, q: { storyId: decodeURIComponent(m[1]!) } };
    return undefined;
  }

  // --- removal form: a signed token bound to a cookie nonce (double submit), valid 2 hours ---
  const sign = (nonce: string, t: string) => createHmac('sha256', secret).update(`${nonce}.${t}`).digest('base64url');
  const csrfFor = (nonce: string) => {
    const t = String(Date.now());
    return `${t}.${sign(nonce, t)}`;
  };
  const csrfOk = (nonce: string | undefined, token: string | undefined) => {
    if (!nonce || !token) return false;
    const [t, mac] = token.split('.');
    if (!t || !mac || !/^\d+$/.test(t) || Date.now() - Number(t) > 2 * 3_600_000) return false;
    const want = Buffer.from(sign(nonce, t));
    const got = Buffer.from(mac);
    return want.length === got.length && timingSafeEqual(want, got);
  };

  function removalForm(url: string, nonce: string, problems: string[] = []): string {
    return page({
      title: 'Request removal',
      body: html`<h1>Request removal of an article</h1>
<p>If you own this content or are entitled to act for its owner, tell us and we will review the request. Approved removals disappear from Newsline within seconds and are never ingested again.</p>
${problems.length ? html`<ul role="alert">${problems.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<form method="post" action="/removal">
<input type="hidden" name="csrf" value="${csrfFor(nonce)}">
<label>Article URL <input name="url" type="url" required maxlength="2048" value="${url}"></label>
<label>Your name <input name="name" required maxlength="200"></label>
<label>Your email <input name="email" type="email" required maxlength="320"></label>
<label>You are <select name="relation"><option value="PUBLISHER">the publisher</option><option value="AGENT">an agent of the publisher</option><option value="SUBJECT">the subject of the article</option><option value="OTHER">other</option></select></label>
<label>Reason <select name="reason"><option>COPYRIGHT</option><option>PRIVACY</option><option>LEGAL</option><option>DEFAMATION</option><option>OPT_OUT</option><option>OTHER</option></select></label>
<label>Statement (at least 20 characters) <textarea name="statement" required minlength="20" maxlength="10000" rows="5"></textarea></label>
<button type="submit">Send request</button>
</form>`,
    });
  }

  async function submitRemoval(f: URLSearchParams): Promise<{ id: string } | { problems: string[] }> {
    const input = {
      scope: { kind: 'URL', value: f.get('url') ?? '' },
      reason: f.get('reason') ?? 'OTHER',
      relation: f.get('relation') ?? 'OTHER',
      requester: { name: f.get('name') ?? '', email: f.get('email') ?? '' },
      statement: f.get('statement') ?? '',
    };
    // The public compliance mutation: the same path (and review) as every other request.
    const res = await fetch(new URL('/graphql', o.gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: TakedownInput!) { submitTakedown(input: $i) { request { id } duplicate } }',
        variables: { i: input },
      }),
      signal: AbortSignal.timeout(10_000),
    }).catch((err: Error) => {
      o.log?.warn({ err: err.message }, 'removal request not sent');
      throw new HttpError(503, 'the removal service is unavailable: please try again in a few minutes');
    });
    const b = (await res.json().catch(() => ({}))) as { data?: { submitTakedown?: { request: { id: string } } }; errors?: { message: string }[] };
    if (b.data?.submitTakedown) return { id: b.data.submitTakedown.request.id };
    return { problems: b.errors?.map((e) => e.message) ?? [`the request could not be sent (HTTP ${res.status})`] };
  }

  async function removalStatus(id: string): Promise<string> {
    if (!ID.test(id)) throw new HttpError(400, 'not a request id');
    const r = await takedownModel(store.conn).findById(id).select('status createdAt').lean();
    if (!r) throw new HttpError(404, 'no such request');
    return page({
      title: 'Removal request',
      body: html`<h1>Removal request</h1><p>Request <code>${id}</code>, received ${fmtDate(r.createdAt as Date)}.</p><p>Status: <strong data-status="${r.status}">${r.status}</strong></p>${STATUS_TEXT[r.status] ? html`<p>${STATUS_TEXT[r.status]!}</p>` : ''}<p class="meta">Keep this page's address to check on the request.</p>`,
    });
  }

  const readBody = (req: IncomingMessage, max = 32_768) =>
    new Promise<string>((resolve, reject) => {
      let n = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > max) reject(new HttpError(413, 'form too large'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  const cookie = (req: IncomingMessage, name: string) =>
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([k]) => k === name)?.[1];

  async function route(path: string, q: URLSearchParams): Promise<Rendered | undefined> {
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/a\/([^/]+)$/))) return article(m[1]!);
    if ((m = path.match(/^(.*?)\/feed\.(rss|atom|json)$/))) {
      const l = await listingOf(m[1]!, q);
      return l && feed(m[2] as keyof typeof FEED_TYPES, l, path + (l.search !== undefined ? `?q=${encodeURIComponent(l.search)}` : ''));
    }
    const l = await listingOf(path, q);
    return l && listing(l, q.get('after'));
  }

  async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://reader');
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (u.pathname === '/removal') {
        let nonce = cookie(req, 'csrf');
        const setCookie: Record<string, string> = {};
        if (!nonce || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
          nonce = randomBytes(18).toString('base64url');
          setCookie['set-cookie'] = `csrf=${nonce}; Path=/removal; HttpOnly; SameSite=Strict`;
        }
        const noStore = { 'cache-control': 'no-store', ...setCookie };
        if (req.method === 'GET' || req.method === 'HEAD') {
          const url = u.searchParams.get('url') ?? '';
          if (url.length > 2048) throw new HttpError(400, 'url too long');
          return send(200, removalForm(url, nonce), noStore);
        }
        if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
        const f = new URLSearchParams(await readBody(req));
        if (!csrfOk(cookie(req, 'csrf'), f.get('csrf') ?? undefined)) throw new HttpError(403, 'the form expired or was not sent from this site: reload it and try again');
        const r = await submitRemoval(f);
        if ('id' in r) {
          res.writeHead(303, { location: `/removal/${r.id}`, 'cache-control': 'no-store' });
          return void res.end();
        }
        return send(400, removalForm(f.get('url') ?? '', nonce, r.problems), noStore);
      }
      const st = u.pathname.match(/^\/removal\/([^/]+)$/);
      if (st) return send(200, await removalStatus(st[1]!), { 'cache-control': 'no-store' });

      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
      // Article pages are keyed by path alone (so a purge finds them); listings by the page they show.
      const key = u.pathname.startsWith('/a/') ? u.pathname : `${u.pathname}?${['q', 'after'].map((k) => `${k}=${u.searchParams.get(k) ?? ''}`).join('&')}`;
      let r = cache.get(key);
      if (r) stats.hits++;
      else {
        r = await route(u.pathname, u.searchParams);
        if (!r) throw new HttpError(404, 'no such page');
        stats.renders++;
        cache.set(key, r);
      }
      const headers: Record<string, string> = {
        etag: r.etag,
        // Short public caching: a removal must reach shared caches within a minute.
        'cache-control': r.status === 410 ? 'public, max-age=60' : 'public, max-age=60, stale-while-revalidate=30',
        ...(r.lastModified ? { 'last-modified': r.lastModified } : {}),
      };
      if (r.type) headers['content-type'] = r.type;
      const since = req.headers['if-modified-since'];
      const notModified = req.headers['if-none-match'] ? req.headers['if-none-match'] === r.etag : !!since && !!r.lastModified && Date.parse(since) >= Date.parse(r.lastModified);
      if (r.status === 200 && notModified) {
        res.writeHead(304, headers);
        return void res.end();
      }
      return send(r.status, r.body, headers);
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, page({ title: String(err.status), body: html`<h1>${err.status}</h1><p>${err.message}</p>` }), { 'cache-control': 'no-store' });
      o.log?.error({ err }, 'reader error');
      return send(500, page({ title: 'Error', body: html`<h1>Something went wrong</h1>` }), { 'cache-control': 'no-store' });
    }
  }

  return { handler, ready, stats, cacheSize: () => cache.size };
}
export type Reader = ReturnType<typeof createReader>;
export type { Html };
