import { extractAndStore, RetryableExtractError } from '../src/ingest/extract-article';
import { fetchFeed } from '../src/ingest/fetch-feed';
import { addFeed, harness, publisher, rss, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const para = (n: number, topic: string) =>
  Array.from(
    { length: n },
    (_, i) =>
      `<p>${topic} paragraph ${i + 1}: the council met on Tuesday to discuss the new budget, and members argued at length about schools, roads and the future of the harbour district before agreeing to meet again.</p>`,
  ).join('');

function page(opts: { title: string; canonical?: string; robots?: string; modified?: string; topic?: string }) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${opts.title} | Daily</title>
${opts.canonical ? `<link rel="canonical" href="${opts.canonical}">` : ''}${opts.robots ? `<meta name="robots" content="${opts.robots}">` : ''}
<script type="application/ld+json">{"@type":"NewsArticle","headline":"${opts.title}","datePublished":"2026-11-27T08:00:00Z"${opts.modified ? `,"dateModified":"${opts.modified}"` : ''},"author":{"@type":"Person","name":"Ada Reporter"}}</script>
</head><body><nav><a href="/">Home</a><a href="/world">World</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept all</button></div>
<article><h1>${opts.title}</h1>${para(6, opts.topic ?? opts.title)}</article>
<div class="share">Share on Facebook Share on X</div><section class="comments"><h3>Comments</h3><p>First!</p></section>
<script>alert(1)</script></body></html>`;
}

describe('extract job', () => {
  it('stores the clean article body, metadata and story, and publishes article.updated', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(rss([{ title: 'Budget row', link: `${pub.url}/news/budget?utm_source=rss`, date: new Date() }])),
      '/news/budget': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(page({ title: 'Council budget row', canonical: `${pub.url}/news/budget` })),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, f.feedId);
    const job = h.extractJobs.find((j) => j.url.startsWith(pub.url))!;
    const r = await extractAndStore(h.ctx, job.articleId, false);
    expect(r).toMatchObject({ kind: 'stored', status: 'ok', merged: false });
    const a = (await h.store.Article.findById(job.articleId).lean())!;
    expect(a.extraction!.status).toBe('ok');
    expect(a.title).toBe('Council budget row');
    expect(a.authors).toEqual(['Ada Reporter']);
    expect(a.body).toContain('paragraph 6');
    expect(a.body).not.toMatch(/cookies|Share on|First!|<script|alert/);
    expect(a.sourceUrl).toBe(`${pub.url}/news/budget`);
    expect(a.simhash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.storyId).toBe(job.articleId);
    expect(a.terms).toEqual(expect.arrayContaining(['council', 'budget']));
    await h.nextEvent((e) => e.type === 'article.updated' && e.articleId === job.articleId);
    // Idempotent: a second run does nothing.
    expect(await extractAndStore(h.ctx, job.articleId, false)).toMatchObject({ kind: 'skipped' });
    await pub.close();
  });

  it('merges an entry whose page names an already stored canonical URL', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(
          rss([
            { title: 'Harbour plan', link: `${pub.url}/story/harbour`, date: new Date() },
            { title: 'Harbour plan (mobile)', link: `${pub.url}/m/harbour-12`, date: new Date() },
          ]),
        ),
      '/story/harbour': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(page({ title: 'Harbour plan', canonical: `${pub.url}/story/harbour`, topic: 'Harbour' })),
      '/m/harbour-12': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(page({ title: 'Harbour plan', canonical: `${pub.url}/story/harbour`, topic: 'Harbour' })),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, f.feedId);
    const jobs = h.extractJobs.filter((j) => j.url.startsWith(pub.url));
    expect(jobs).toHaveLength(2);
    await extractAndStore(h.ctx, jobs[0]!.articleId, false);
    const r = await extractAndStore(h.ctx, jobs[1]!.articleId, false);
    expect(r).toMatchObject({ kind: 'stored', merged: true, articleId: jobs[0]!.articleId });
    expect(await h.store.Article.countDocuments({ feedId: f.feed._id })).toBe(1);
    expect((await h.store.Source.findById(f.source._id).lean())!.counts!.articles).toBe(1);
    await h.nextEvent((e) => e.type === 'headline.removed' && e.articleId === jobs[1]!.articleId);
    await pub.close();
  });

  it('keeps only headline, summary and link for noarchive pages and TDM reservations', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(
          rss([
            { title: 'NA', link: `${pub.url}/na`, date: new Date(), description: 'Feed summary NA' },
            { title: 'TDM', link: `${pub.url}/tdm`, date: new Date() },
          ]),
        ),
      '/na': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page({ title: 'Private matters', robots: 'noarchive' })),
      '/tdm': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/html', 'tdm-reservation': '1' }).end(page({ title: 'Reserved text' })),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, f.feedId);
    for (const j of h.extractJobs.filter((x) => x.url.startsWith(pub.url))) await extractAndStore(h.ctx, j.articleId, false);
    const na = (await h.store.Article.findOne({ url: `${pub.url}/na` }).lean())!;
    expect(na.extraction).toMatchObject({ status: 'restricted', reason: 'noarchive' });
    expect(na.body).toBeUndefined();
    expect(na.summary).toContain('Feed summary NA');
    expect(na.sourceUrl).toBe(`${pub.url}/na`);
    const tdm = (await h.store.Article.findOne({ url: `${pub.url}/tdm` }).lean())!;
    expect(tdm.extraction).toMatchObject({ status: 'restricted', reason: 'tdm-reservation' });
    expect(tdm.body).toBeUndefined();
    await pub.close();
  });

  it('retries transient failures, then stores the feed version with a reason', async () => {
    let calls = 0;
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(rss([{ title: 'Flaky', link: `${pub.url}/flaky`, date: new Date(), description: 'From the feed' }])),
      '/flaky': (_q, res) => (calls++, res.writeHead(500).end('oops')),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, f.feedId);
    const job = h.extractJobs.find((j) => j.url === `${pub.url}/flaky`)!;
    await expect(extractAndStore(h.ctx, job.articleId, false)).rejects.toBeInstanceOf(RetryableExtractError);
    expect((await h.store.Article.findById(job.articleId).lean())!.extraction!.status).toBe('pending');
    // The host backoff set by the 500 makes the final attempt fail fast without a request.
    const r = await extractAndStore(h.ctx, job.articleId, true);
    expect(r).toMatchObject({ kind: 'failed', final: true });
    const a = (await h.store.Article.findById(job.articleId).lean())!;
    expect(a.extraction).toMatchObject({ status: 'failed', attempts: 2 });
    expect(a.extraction!.reason).toMatch(/http-status|host-backoff/);
    expect(a.title).toBe('Flaky');
    expect(a.summary).toContain('From the feed');
    expect(calls).toBeGreaterThanOrEqual(1);
    await pub.close();
  });

  it('records a page with no extractable content as failed at once (not retryable)', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(rss([{ title: 'Empty', link: `${pub.url}/empty`, date: new Date() }])),
      '/empty': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title></title></head><body>  </body></html>'),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, f.feedId);
    const job = h.extractJobs.find((j) => j.url === `${pub.url}/empty`)!;
    expect(await extractAndStore(h.ctx, job.articleId, false)).toMatchObject({ kind: 'failed' });
    expect((await h.store.Article.findById(job.articleId).lean())!.extraction).toMatchObject({ status: 'failed' });
    await pub.close();
  });

  it('never replaces a newer stored version with an older page', async () => {
    let modified = '2026-11-27T10:00:00Z';
    let title = 'Version two';
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/xml' }).end(rss([{ title: 'V', link: `${pub.url}/v`, date: new Date() }])),
      '/v': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page({ title, modified })),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    await fetchFeed(h.ctx, f.feedId);
    const job = h.extractJobs.find((j) => j.url === `${pub.url}/v`)!;
    await extractAndStore(h.ctx, job.articleId, false);
    // Re-open the article for extraction and serve an older version of the page.
    await h.store.Article.updateOne({ _id: job.articleId }, { $set: { 'extraction.status': 'pending' } });
    modified = '2026-11-27T09:00:00Z';
    title = 'Version one';
    await extractAndStore(h.ctx, job.articleId, false);
    expect((await h.store.Article.findById(job.articleId).lean())!.title).toBe('Version two');
    await pub.close();
  });
});
