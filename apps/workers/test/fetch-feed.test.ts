import iconv from 'iconv-lite';
import { fetchFeed } from '../src/ingest/fetch-feed';
import { addFeed, harness, publisher, rss, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('fetch job against a local publisher', () => {
  it('stores each entry once, publishes article.added, and enqueues one extract job per new entry', async () => {
    let body = '';
    const pub = await publisher({ '/feed.xml': (_q, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body) });
    body = rss([
      { title: 'One', link: `${pub.url}/a/1?utm_source=rss`, guid: 'g1', date: minutesAgo(30) },
      { title: 'Two', link: `${pub.url}/a/2`, guid: 'g2', date: minutesAgo(20) },
    ]);
    const { feedId, source } = await addFeed(h.store, `${pub.url}/feed.xml`);
    const first = await fetchFeed(h.ctx, feedId);
    expect(first).toMatchObject({ kind: 'ok', entries: 2, created: 2 });
    const added = await h.nextEvent((e) => e.type === 'article.added' && e.title === 'One');
    expect(added).toMatchObject({ sourceId: String(source._id), url: `${pub.url}/a/1` });
    expect(h.extractJobs.filter((j) => j.url.startsWith(pub.url))).toHaveLength(2);

    // Same entries again, one with a new GUID and re-tracked link, one with a trailing slash.
    body = rss([
      { title: 'One', link: `${pub.url}/a/1?utm_campaign=x&fbclid=y`, guid: 'g1-new', date: minutesAgo(30) },
      { title: 'Two (edited title)', link: `${pub.url}/a/2/`, guid: 'g2', date: minutesAgo(20) },
    ]);
    const second = await fetchFeed(h.ctx, feedId);
    expect(second).toMatchObject({ kind: 'ok', created: 0 });
    expect(await h.store.Article.countDocuments({ sourceId: source._id })).toBe(2);
    expect(h.extractJobs.filter((j) => j.url.startsWith(pub.url))).toHaveLength(2);
    const one = await h.store.Article.findOne({ title: 'One' }).lean();
    expect(one!.entryIds).toHaveLength(2);
    expect(one!.sourceUrl).toBe(`${pub.url}/a/1`);
    expect(one!.attribution).toBe('Test Source Ltd');
    expect((await h.store.Source.findById(source._id).lean())!.counts!.articles).toBe(2);
    await pub.close();
  });

  it('sends validators and handles 304 without touching articles', async () => {
    const seen: (string | undefined)[] = [];
    const pub = await publisher({
      '/feed.xml': (req, res) => {
        seen.push(req.headers['if-none-match']);
        if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
        res
          .writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"', 'last-modified': 'Wed, 25 Nov 2026 10:00:00 GMT' })
          .end(rss([{ title: 'E', link: `${pub.url}/e`, date: minutesAgo(5) }]));
      },
    });
    const { feedId } = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, feedId);
    const feed1 = await h.store.Feed.findById(feedId).lean();
    expect(feed1).toMatchObject({ etag: '"v1"', lastModified: 'Wed, 25 Nov 2026 10:00:00 GMT', lastStatus: 200 });
    expect(await fetchFeed(h.ctx, feedId)).toEqual({ kind: 'not-modified' });
    expect(seen).toEqual([undefined, '"v1"']);
    const feed2 = await h.store.Feed.findById(feedId).lean();
    expect(feed2!.lastStatus).toBe(304);
    expect(feed2!.nextPollAt!.getTime()).toBeGreaterThan(Date.now());
    await pub.close();
  });

  it('does not import entries older than the horizon as new', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(
          rss([
            { title: 'Fresh', link: `${pub.url}/fresh`, date: minutesAgo(60) },
            { title: 'Ancient', link: `${pub.url}/ancient`, date: new Date('2019-03-01T00:00:00Z') },
          ]),
        ),
    });
    const { feedId } = await addFeed(h.store, `${pub.url}/feed.xml`);
    expect(await fetchFeed(h.ctx, feedId)).toMatchObject({ kind: 'ok', created: 1, tooOld: 1 });
    expect(await h.store.Article.exists({ title: 'Ancient' })).toBeNull();
    await pub.close();
  });

  it('honours 429 Retry-After in the next poll time and counts the error', async () => {
    const pub = await publisher({ '/feed.xml': (_q, res) => res.writeHead(429, { 'retry-after': '7200' }).end() });
    const { feedId } = await addFeed(h.store, `${pub.url}/feed.xml`);
    const r = await fetchFeed(h.ctx, feedId);
    expect(r).toMatchObject({ kind: 'error', code: 'rate-limited' });
    const feed = await h.store.Feed.findById(feedId).lean();
    expect(feed!.consecutiveErrors).toBe(1);
    expect(feed!.lastError).toMatch(/rate-limited/);
    expect(feed!.nextPollAt!.getTime()).toBeGreaterThanOrEqual(Date.now() + 7100_000);
    await pub.close();
  });

  it('follows redirects, and records loops, oversized bodies and slow bodies as typed errors', async () => {
    const pub = await publisher({
      '/old': (_q, res) => res.writeHead(301, { location: '/feed.xml' }).end(),
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ title: 'R', link: `${pub.url}/r`, date: minutesAgo(1) }])),
      '/loop-a': (_q, res) => res.writeHead(302, { location: '/loop-b' }).end(),
      '/loop-b': (_q, res) => res.writeHead(302, { location: '/loop-a' }).end(),
      '/huge': (_q, res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss>' + 'x'.repeat(400 * 1024)),
      '/slow': (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.write('<rss>');
      },
    });
    const ok = await addFeed(h.store, `${pub.url}/old`);
    expect(await fetchFeed(h.ctx, ok.feedId)).toMatchObject({ kind: 'ok', created: 1 });
    for (const [path, code] of [
      ['/loop-a', 'redirect-loop'],
      ['/huge', 'too-large'],
      ['/slow', 'timeout'],
    ]) {
      const f = await addFeed(h.store, `${pub.url}${path}`);
      expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'error', code });
      expect((await h.store.Feed.findById(f.feedId).lean())!.lastError).toMatch(new RegExp(`^${code}`));
    }
    await pub.close();
  });

  it('respects robots.txt and refuses SSRF targets without sending a request', async () => {
    const pub = await publisher({
      '/robots.txt': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: NewslineBot\nDisallow: /private/\n'),
      '/private/feed.xml': (_q, res) => res.writeHead(200).end(rss([])),
    });
    const f = await addFeed(h.store, `${pub.url}/private/feed.xml`);
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'error', code: 'robots-disallowed' });
    expect(pub.hits).not.toContain('/private/feed.xml');
    const meta = await addFeed(h.store, 'http://169.254.169.254/latest/meta-data/feed.xml');
    expect(await fetchFeed(h.ctx, meta.feedId)).toMatchObject({ kind: 'error', code: 'ssrf-blocked' });
    const priv = await addFeed(h.store, 'http://10.1.2.3/feed.xml');
    expect(await fetchFeed(h.ctx, priv.feedId)).toMatchObject({ kind: 'error', code: 'ssrf-blocked' });
    await pub.close();
  });

  it('decodes legacy charsets: windows-1251 by HTTP header, Shift_JIS by XML declaration', async () => {
    const ru = 'Экономика: рубль укрепился';
    const ja = '東京で新しい美術館が開館';
    const pub = await publisher({
      '/ru.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'application/rss+xml; charset=windows-1251' })
          .end(
            iconv.encode(
              rss([{ title: ru, link: `${pub.url}/ru/1`, date: minutesAgo(3) }]).replace(' encoding="utf-8"', ''),
              'windows-1251',
            ),
          ),
      '/ja.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'application/rss+xml' })
          .end(iconv.encode(rss([{ title: ja, link: `${pub.url}/ja/1`, date: minutesAgo(3) }]).replace('utf-8', 'Shift_JIS'), 'cp932')),
    });
    for (const path of ['/ru.xml', '/ja.xml']) await fetchFeed(h.ctx, (await addFeed(h.store, `${pub.url}${path}`)).feedId);
    expect(await h.store.Article.exists({ title: ru })).not.toBeNull();
    expect(await h.store.Article.exists({ title: ja })).not.toBeNull();
    await pub.close();
  });

  it('never stores an entry whose URL is blocked', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(
          rss([
            { title: 'Gone', link: `${pub.url}/gone`, date: minutesAgo(1) },
            { title: 'Kept', link: `${pub.url}/kept`, date: minutesAgo(1) },
          ]),
        ),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    const blocked = { ...h.ctx, isBlocked: async (u: string) => u.endsWith('/gone') };
    expect(await fetchFeed(blocked, f.feedId)).toMatchObject({ kind: 'ok', created: 1, blocked: 1 });
    expect(await h.store.Article.exists({ title: 'Gone' })).toBeNull();
    await pub.close();
  });
});

describe('entries whose URL was re-keyed by extraction', () => {
  it('attach to the article that owns the URL now', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(rss([{ title: 'Canon', link: `${pub.url}/canon`, guid: 'c1', date: minutesAgo(1) }])),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    // An article stored under another id already owns this URL's key (as after a canonical merge).
    const { urlKey } = await import('@newsline/domain');
    const owner = await h.store.Article.create({
      urlKey: urlKey(`${pub.url}/canon`),
      url: `${pub.url}/canon`,
      sourceUrl: `${pub.url}/canon`,
      attribution: 'A',
      sourceId: f.source._id,
      title: 'Owner',
      publishedAt: new Date(),
    });
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', created: 0 });
    const after = (await h.store.Article.findById(owner._id).lean())!;
    expect(after.entryIds).toEqual([`${f.feedId}:c1`]);
    const { entryRefIdFor } = await import('@newsline/domain');
    expect(String((await h.store.EntryRef.findById(entryRefIdFor(f.feedId, 'c1')).lean())!.articleId)).toBe(String(owner._id));
    await pub.close();
  });
});

describe('entries already stored', () => {
  it('are recognised without Redis, and taken again once enforcement removed them and the version moved', async () => {
    let b = 'seen-b';
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(
          rss([
            { title: 'Seen A', link: `${pub.url}/seen-a`, guid: 'sa', date: minutesAgo(2) },
            { title: 'Seen B', link: `${pub.url}/${b}`, guid: 'sb', date: minutesAgo(1) },
          ]),
        ),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', created: 2 });
    // Redis lost the feed's memory of stored entries: entry_refs still answer (a re-tracked
    // link under a known entry id is the same article, not a new one).
    b = 'seen-b-moved';
    expect(await h.redis.del(`newsline:feed-seen:${f.feedId}`)).toBe(1);
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', created: 0 });
    expect(await h.store.Article.countDocuments({ sourceId: f.source._id })).toBe(2);

    // Enforcement removes an article with its entry ref. While its tombstone stands (a new
    // tombstone leaves the seen set as it is), the entry stays seen: no entry_refs re-check.
    const { entryRefIdFor, urlKey } = await import('@newsline/domain');
    const { removeTombstone, writeTombstone, REINSTATED_VERSION_KEY } = await import('@newsline/takedowns');
    const scope = { kind: 'URL' as const, key: urlKey(`${pub.url}/seen-a`) };
    await writeTombstone(h.store, h.redis, scope, 'req-seen');
    await h.store.Article.deleteOne({ title: 'Seen A' });
    await h.store.EntryRef.deleteOne({ _id: entryRefIdFor(f.feedId, 'sa') });
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', created: 0 });
    expect(await h.redis.sismember(`newsline:feed-seen:${f.feedId}`, entryRefIdFor(f.feedId, 'sa'))).toBe(1);
    // Reinstating it moves the reinstatement version: the set is rebuilt and the entry taken again.
    const before = Number((await h.redis.get(REINSTATED_VERSION_KEY)) ?? 0);
    expect(await removeTombstone(h.store, h.redis, scope, 'req-seen')).toBe(true);
    expect(Number(await h.redis.get(REINSTATED_VERSION_KEY))).toBe(before + 1);
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', created: 1 });
    expect(await h.store.Article.exists({ title: 'Seen A' })).not.toBeNull();
    expect(await h.store.EntryRef.exists({ _id: entryRefIdFor(f.feedId, 'sa') })).not.toBeNull();
    await pub.close();
  });
});

describe('a fetch job that died mid-way', () => {
  it('announces and enqueues, on its retry, an entry it had stored but not finished', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(rss([{ title: 'Half done', link: `${pub.url}/half`, guid: 'h1', date: minutesAgo(1) }])),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', created: 1 });
    // What a worker killed after the article insert leaves: the article, no ref, no memory in Redis.
    const { entryRefIdFor } = await import('@newsline/domain');
    await h.store.EntryRef.deleteOne({ _id: entryRefIdFor(f.feedId, 'h1') });
    await h.redis.del(`newsline:feed-seen:${f.feedId}`);
    const jobsBefore = h.extractJobs.filter((j) => j.url === `${pub.url}/half`).length;
    const addedBefore = h.events.filter((e) => e.type === 'article.added' && e.title === 'Half done').length;
    expect(await fetchFeed(h.ctx, f.feedId)).toMatchObject({ kind: 'ok', entries: 1 });
    await h.events$((e) => e.type === 'article.added' && e.title === 'Half done', addedBefore + 1);
    expect(h.extractJobs.filter((j) => j.url === `${pub.url}/half`).length).toBe(jobsBefore + 1);
    expect(await h.store.Article.countDocuments({ sourceId: f.source._id })).toBe(1);
    expect(await h.store.EntryRef.exists({ _id: entryRefIdFor(f.feedId, 'h1') })).not.toBeNull();
    await pub.close();
  });
});
