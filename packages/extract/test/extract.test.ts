import { extractArticle, simhash, simhashDistance, textHash, wordCount, parseDate, type ExtractedArticle } from '../src/index';

const para = (n: number, topic = 'the harbour council'): string =>
  `<p>Paragraph ${n} explains how ${topic} reviewed the budget, heard residents, and agreed, after a long evening of debate, to publish every figure online before the next meeting.</p>`;

function page(opts: { head?: string; body?: string; htmlAttrs?: string } = {}): string {
  return `<!doctype html><html ${opts.htmlAttrs ?? 'lang="en"'}><head><title>Council publishes budget | Harbour Times</title>${opts.head ?? ''}</head><body>${
    opts.body ??
    `<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
     <main><article><h1>Council publishes budget</h1><div class="article-body">${[1, 2, 3, 4, 5].map((n) => para(n)).join('')}</div></article></main>`
  }</body></html>`;
}

function ok(html: string, url = 'https://news.example.com/a/1', opts?: Parameters<typeof extractArticle>[2]): ExtractedArticle {
  const r = extractArticle(html, url, opts);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.article;
}

describe('metadata', () => {
  it('reads JSON-LD inside @graph with author arrays and dates', () => {
    const ld = {
      '@context': 'https://schema.org',
      '@graph': [
        { '@type': 'WebSite', '@id': '#site', name: 'Harbour Times' },
        { '@type': 'Person', '@id': '#p2', name: 'Bo Berg' },
        {
          '@type': ['NewsArticle'],
          headline: 'LD headline',
          datePublished: '2024-03-05T10:20:00+01:00',
          dateModified: '2024-03-06',
          author: [{ '@type': 'Person', name: 'Ann Lee' }, { '@id': '#p2' }],
          articleSection: 'Politics',
          keywords: ['budget', 'council'],
          image: { '@type': 'ImageObject', url: '/img/lead.jpg' },
          isAccessibleForFree: false,
        },
      ],
    };
    const a = ok(page({ head: `<script type="application/ld+json">${JSON.stringify(ld)}</script>` }));
    expect(a.authors).toEqual(['Ann Lee', 'Bo Berg']);
    expect(a.publishedAt?.toISOString()).toBe('2024-03-05T09:20:00.000Z');
    expect(a.modifiedAt?.toISOString()).toBe('2024-03-06T00:00:00.000Z');
    expect(a.section).toBe('Politics');
    expect(a.keywords).toEqual(['budget', 'council']);
    expect(a.image).toBe('https://news.example.com/img/lead.jpg');
    expect(a.paywalled).toBe(true);
  });

  it('reads a top-level JSON-LD array and falls back to OpenGraph and meta tags', () => {
    const ld = [{ '@type': 'BreadcrumbList' }, { '@type': 'Article', author: 'Cy Dee' }];
    const head = `<script type="application/ld+json">${JSON.stringify(ld)}</script>
      <meta property="og:title" content="OG title"><meta property="og:site_name" content="Harbour Times">
      <meta property="article:published_time" content="2023-12-01T08:00:00Z"><meta property="article:modified_time" content="2023-12-02T09:30:00Z">
      <meta property="og:image" content="https://cdn.example.com/x.jpg"><meta name="description" content="Desc here">
      <meta property="article:tag" content="harbour"><meta property="article:section" content="Local">`;
    const a = ok(page({ head }));
    expect(a.title).toBe('OG title');
    expect(a.authors).toEqual(['Cy Dee']);
    expect(a.publishedAt?.toISOString()).toBe('2023-12-01T08:00:00.000Z');
    expect(a.modifiedAt?.toISOString()).toBe('2023-12-02T09:30:00.000Z');
    expect(a.siteName).toBe('Harbour Times');
    expect(a.image).toBe('https://cdn.example.com/x.jpg');
    expect(a.description).toBe('Desc here');
    expect(a.keywords).toContain('harbour');
    expect(a.section).toBe('Local');
    expect(a.paywalled).toBe(false);
  });

  it('uses parsely/dc meta and <time datetime> when nothing better exists', () => {
    expect(
      ok(
        page({ head: '<meta name="parsely-pub-date" content="2022-07-04T12:00:00Z"><meta name="parsely-author" content="Di Fox">' }),
      ).publishedAt?.toISOString(),
    ).toBe('2022-07-04T12:00:00.000Z');
    expect(ok(page({ head: '<meta name="DC.date.issued" content="2021-01-02">' })).publishedAt?.toISOString()).toBe(
      '2021-01-02T00:00:00.000Z',
    );
    const body = `<article><time datetime="2020-05-06T07:08:09Z">May 6</time><div>${[1, 2, 3, 4].map((n) => para(n)).join('')}</div></article>`;
    expect(ok(page({ body })).publishedAt?.toISOString()).toBe('2020-05-06T07:08:09.000Z');
  });

  it('parses common date formats and rejects garbage', () => {
    expect(parseDate('2019-11-19 14:05:00')?.toISOString()).toBe('2019-11-19T14:05:00.000Z');
    expect(parseDate('2019-11-19T14:05:00-0500')?.toISOString()).toBe('2019-11-19T19:05:00.000Z');
    expect(parseDate('Tue, 19 Nov 2019 14:05:00 GMT')?.toISOString()).toBe('2019-11-19T14:05:00.000Z');
    expect(parseDate('1574172300')?.toISOString()).toBe('2019-11-19T14:05:00.000Z');
    expect(parseDate('20191119')?.toISOString()).toBe('2019-11-19T00:00:00.000Z');
    expect(parseDate('not a date')).toBeUndefined();
    expect(parseDate('0001-01-01')).toBeUndefined();
  });
});

describe('canonical URL', () => {
  it('prefers rel=canonical, resolved to absolute', () => {
    expect(ok(page({ head: '<link rel="canonical" href="/story/42">' }), 'https://news.example.com/story/42?utm=x').canonicalUrl).toBe(
      'https://news.example.com/story/42',
    );
  });
  it('an AMP page points to its canonical', () => {
    const html = page({ htmlAttrs: 'amp lang="en"', head: '<link rel="canonical" href="https://news.example.com/story/42">' });
    expect(ok(html, 'https://news.example.com/amp/story/42').canonicalUrl).toBe('https://news.example.com/story/42');
  });
  it('an AMP page without canonical drops its AMP markers', () => {
    expect(ok(page({ htmlAttrs: 'amp' }), 'https://news.example.com/story/42/amp/').canonicalUrl).toBe(
      'https://news.example.com/story/42/',
    );
  });
  it('falls back to og:url, then the page URL', () => {
    expect(ok(page({ head: '<meta property="og:url" content="https://news.example.com/og">' })).canonicalUrl).toBe(
      'https://news.example.com/og',
    );
    expect(ok(page(), 'https://news.example.com/a/1').canonicalUrl).toBe('https://news.example.com/a/1');
  });
});

describe('sanitization', () => {
  it('no script, event handler, javascript: or data: URL survives in html', () => {
    const body = `<article><div class="article-body">
      ${para(1)}<p onclick="alert(1)">Clickable paragraph that is long enough to be part of the article text for certain, yes indeed it is.</p>
      <p>See <a href="javascript:alert(1)">this link</a> and <a href="/ok">that link</a> inside a sentence long enough to count as article prose.</p>
      <img src="data:image/png;base64,AAAA" alt="x"><img src="/real.jpg" onerror="alert(2)" alt="real">
      <script>alert(3)</script><iframe src="https://evil.example"></iframe><style>p{}</style>
      ${para(2)}${para(3)}</div></article>`;
    const a = ok(page({ body }));
    expect(a.html).not.toMatch(/<script|onclick|onerror|javascript:|data:|<iframe|<style/i);
    expect(a.html).toContain('href="https://news.example.com/ok"');
    expect(a.html).toContain('src="https://news.example.com/real.jpg"');
    expect(a.text).not.toContain('alert');
  });
});

describe('boilerplate removal', () => {
  it('drops cookie banner, share buttons, newsletter box, comments, related list and disclaimer; keeps the article', () => {
    const body = `
      <div class="cookie-banner"><p>We use cookies to improve your experience. By continuing to browse you accept our cookie policy and privacy terms.</p><button>Accept</button></div>
      <header class="site-header"><a href="/">Harbour Times</a></header>
      <main><article>
        <h1>Council publishes budget</h1>
        <div class="share-buttons"><a href="https://twitter.com/share">Share on Twitter</a> <a href="https://facebook.com/share">Share on Facebook</a></div>
        <div class="entry-content">
          ${para(1)}${para(2)}
          <div class="newsletter-signup"><p>Sign up for our daily newsletter and get the best stories of the harbour delivered straight to your inbox every morning.</p></div>
          ${para(3)}${para(4)}
          <p><a href="/other">Read more: another unrelated story</a></p>
          ${para(5)}
        </div>
        <p class="disclaimer">Denial of responsibility! Harbour Times is an automatic aggregator of the all world's media. Leave a Comment</p>
      </article>
      <section class="related-articles"><h2>Related</h2><ul><li><a href="/r1">Budget row deepens as council meets again tonight</a></li><li><a href="/r2">Harbour dredging plans go out to consultation</a></li></ul></section>
      <section id="comments"><h2>3 comments</h2><div class="comment"><p>I think the council should have published these figures years ago, it is a disgrace that it took so long for them.</p></div></section>
      </main>
      <footer><p>© 2024 Harbour Times. All rights reserved.</p></footer>`;
    const a = ok(page({ body }));
    for (const n of [1, 2, 3, 4, 5]) expect(a.text).toContain(`Paragraph ${n} explains`);
    expect(a.text).not.toMatch(/cookies|Share on|newsletter|Denial of responsibility|Related|disgrace|All rights reserved|Read more/i);
    expect(a.text.split('\n\n')).toHaveLength(5);
    expect(a.text).not.toContain('Council publishes budget');
  });

  it('picks the article over a longer list of teasers', () => {
    const teasers = Array.from(
      { length: 10 },
      (_, i) =>
        `<li><a href="/t${i}">Teaser headline number ${i} about something else entirely</a><span>A summary sentence of the other story that is long enough to look like a paragraph of prose to a naive scorer.</span></li>`,
    ).join('');
    const body = `<div class="main"><div class="story">${[1, 2, 3, 4].map((n) => para(n)).join('')}</div><div class="box"><ul>${teasers}</ul></div></div>`;
    const a = ok(page({ body }));
    expect(a.text).toContain('Paragraph 4 explains');
    expect(a.text).not.toContain('Teaser headline');
  });

  it('merges an article split across sibling columns', () => {
    const body = `<article><section class="body">${[1, 2, 3].map((n) => `<div class="col"><div>${para(n)}${para(n + 10)}</div></div>`).join('')}</section></article>`;
    const a = ok(page({ body }));
    for (const n of [1, 2, 3, 11, 12, 13]) expect(a.text).toContain(`Paragraph ${n} explains`);
  });

  it('keeps a data table inside the article even when its row classes look like chrome', () => {
    const rows = [
      ['1', 'Ann Lee', '5040'],
      ['2', 'Bo Berg', '5035'],
      ['3', 'Cy Dahl', '4980'],
    ]
      .map(([pos, name, pts], i) => `<tr class="player-${i} date-row"><td class="meta">${pos}</td><td>${name}</td><td>${pts}</td></tr>`)
      .join('');
    const body = `<article><div class="entry-content">${para(1)}${para(2)}
      <table><thead><tr><th>Pos</th><th>Name</th><th>Points</th></tr></thead><tbody class="tags">${rows}</tbody></table>${para(3)}</div></article>`;
    const a = ok(page({ body }));
    for (const cell of ['Ann Lee', '5040', 'Bo Berg', 'Cy Dahl', '4980', 'Points']) expect(a.text).toContain(cell);
    expect(a.text).toContain('Paragraph 3 explains');
  });

  it('keeps quotations and embedded posts wrapped in "embed"/"widget" containers', () => {
    const body = `<article><div class="entry-content">${para(1)}
      <div class="social-media-embed widget"><blockquote class="twitter-tweet"><p>The harbour council finally published every figure of the budget online tonight, and residents can read it all.</p>— Ann Lee (@annlee) <a href="https://twitter.com/annlee/status/1">March 5, 2024</a></blockquote></div>
      ${para(2)}${para(3)}
      <div class="share-widget"><a href="/s1">Share</a> <a href="/s2">Tweet</a> <a href="/s3">Email</a></div></div></article>`;
    const a = ok(page({ body }));
    expect(a.text).toContain('finally published every figure');
    expect(a.text).not.toMatch(/\bTweet\b|\bEmail\b/);
  });

  it('keeps a paragraph whose prose carries a hover card of links, but not the card', () => {
    const card = `<span class="person-card"><a href="/p/ann">Ann Lee</a><a href="/a/1">Ann Lee explains why the harbour budget is late again</a> <a href="/a/2">Council members clash over dredging costs at harbour</a> <a href="/p/ann">MORE</a></span>`;
    const body = `<article><div class="entry-content"><p>The budget was presented by councillor <span><a href="/p/ann">Ann Lee</a>${card}</span> on Tuesday, who said that every single figure would be online before the next meeting of the council.</p>${para(1)}${para(2)}${para(3)}</div></article>`;
    const a = ok(page({ body }));
    expect(a.text).toContain('who said that every single figure');
    expect(a.text).not.toContain('clash over dredging');
  });

  it('drops ad labels, comment prompts and unrendered shortcodes', () => {
    const body = `<article><div class="entry-content">${para(1)}<p>Advert</p>${para(2)}<p>[button link="/submit" type="big"]Send us your review[/button]</p>${para(3)}<h3>Tell us what you think...</h3><p>Comments</p></div></article>`;
    const a = ok(page({ body }));
    expect(a.text).not.toMatch(/Advert|Send us your review|Tell us|Comments/);
    expect(a.text.split('\n\n')).toHaveLength(3);
  });
});

describe('language', () => {
  it('uses html lang, then Content-Language, then detection', () => {
    expect(ok(page({ htmlAttrs: 'lang="de-de"' })).language).toBe('de-DE');
    expect(ok(page({ htmlAttrs: '' }), 'https://x.example/', { contentLanguage: 'fr' }).language).toBe('fr');
    const de = `<article>${[1, 2, 3].map(() => '<p>Der Stadtrat hat den Haushalt veröffentlicht, und die Bürger können die Zahlen nun im Internet lesen, was viele sich seit Jahren gewünscht haben.</p>').join('')}</article>`;
    expect(ok(page({ htmlAttrs: '', body: de })).language).toBe('de');
    const ja = `<article>${[1, 2, 3].map(() => '<p>市議会は予算を公開し、市民はインターネットで数字を読むことができるようになりました。多くの人が何年も前からそれを望んでいました。</p>').join('')}</article>`;
    const a = ok(page({ htmlAttrs: 'lang="en"', body: ja }));
    expect(a.language).toBe('ja');
    expect(a.wordCount).toBeGreaterThan(100);
  });
});

describe('hashes', () => {
  const base = Array.from({ length: 60 }, (_, i) => `sentence ${i} tells the story of the harbour council and its budget vote`).join('. ');
  it('near-duplicates are close, different texts are far', () => {
    const near = base.replace('sentence 7 tells', 'sentence 7 now tells');
    const other = Array.from({ length: 60 }, (_, i) => `line ${i} covers a football match where the visitors scored late goals`).join('. ');
    expect(simhash(base)).toMatch(/^[0-9a-f]{16}$/);
    expect(simhashDistance(simhash(base), simhash(near))).toBeLessThanOrEqual(6);
    expect(simhashDistance(simhash(base), simhash(other))).toBeGreaterThanOrEqual(16);
    expect(simhashDistance('zz', simhash(base))).toBe(64);
  });
  it('textHash ignores spacing and case but not words', () => {
    expect(textHash('Hello,  World')).toBe(textHash('hello world'));
    expect(textHash('hello world')).not.toBe(textHash('hello there'));
    expect(textHash('')).toBe('cbf29ce484222325');
  });
  it('wordCount counts CJK characters', () => {
    expect(wordCount('one two three')).toBe(3);
    expect(wordCount('市議会は予算')).toBe(6);
  });
});

describe('failure paths never throw', () => {
  it('empty page → no-content', () => {
    const r = extractArticle('<html><body></body></html>', 'https://x.example/');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('no-content');
  });
  it('non-HTML → parse-failed', () => {
    for (const input of ['%PDF-1.4 binary', '{"json": true}', '']) {
      const r = extractArticle(input, 'https://x.example/');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['parse-failed', 'no-content']).toContain(r.error.code);
    }
    const bad = extractArticle(42 as unknown as string, 'https://x.example/');
    expect(bad.ok).toBe(false);
  });
  it('giant page over the cap → too-large', () => {
    const r = extractArticle(page() + ' '.repeat(2000), 'https://x.example/', { maxHtmlBytes: 1000 });
    expect(r).toEqual({ ok: false, error: { code: 'too-large', message: expect.any(String) } });
  });
  it('broken HTML, hostile CSS and deep nesting still give a result', () => {
    const broken = `<html><body><style>@media{{{{ p { color: red </style><div><p>${'<div>'.repeat(5000)}${para(1)}${para(2)}<table><tr><td>${para(3)}`;
    const r = extractArticle(broken, 'not a url');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.article.text).toContain('Paragraph 3 explains');
  });
});
