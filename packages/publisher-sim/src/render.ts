import type { LangBank } from './banks';
import type { ArticleContent } from './compose';
import type { FeedFormat } from './catalog';
import { canEncode } from './http';

export interface Entry {
  seq: number;
  guid: string;
  /** Absolute article URL. */
  url: string;
  /** Article path on the server. */
  path: string;
  content: ArticleContent;
  publishedAt: Date;
}

export interface FeedContext {
  title: string;
  description: string;
  lang: string;
  charset: string;
  siteName: string;
  homepageUrl: string;
  feedUrl: string;
  attribution: string;
  /** tag: URI prefix for the feed id (Atom) */
  idBase: string;
  /** WebSub hub the feed advertises (`rel="hub"`), when the publisher runs one. */
  hubUrl?: string;
}

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESC[c]!);

function newest(entries: readonly Entry[]): Date {
  return entries.reduce((d, e) => (e.publishedAt > d ? e.publishedAt : d), new Date(0));
}

export function renderRss(ctx: FeedContext, entries: readonly Entry[]): string {
  const items = entries
    .map(
      (e) => `    <item>
      <title>${esc(e.content.title)}</title>
      <link>${esc(e.url)}</link>
      <guid isPermaLink="false">${esc(e.guid)}</guid>
      <pubDate>${e.publishedAt.toUTCString()}</pubDate>
      <dc:creator>${esc(e.content.author)}</dc:creator>
${e.content.tags.map((t) => `      <category>${esc(t)}</category>`).join('\n')}
      <description>${esc(e.content.summary)}</description>
    </item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="${ctx.charset}"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${esc(ctx.title)}</title>
    <link>${esc(ctx.homepageUrl)}</link>
    <description>${esc(ctx.description)}</description>
    <language>${esc(ctx.lang)}</language>
    <copyright>${esc(ctx.attribution)}</copyright>
    <lastBuildDate>${newest(entries).toUTCString()}</lastBuildDate>
    <ttl>5</ttl>
    <atom:link href="${esc(ctx.feedUrl)}" rel="self" type="application/rss+xml"/>
${ctx.hubUrl ? `    <atom:link href="${esc(ctx.hubUrl)}" rel="hub"/>\n` : ''}${items}
  </channel>
</rss>
`;
}

export function renderAtom(ctx: FeedContext, entries: readonly Entry[]): string {
  const items = entries
    .map(
      (e) => `  <entry>
    <id>${esc(e.guid)}</id>
    <title type="text">${esc(e.content.title)}</title>
    <link rel="alternate" type="text/html" href="${esc(e.url)}"/>
    <published>${e.publishedAt.toISOString()}</published>
    <updated>${e.publishedAt.toISOString()}</updated>
    <author><name>${esc(e.content.author)}</name></author>
${e.content.tags.map((t) => `    <category term="${esc(t)}"/>`).join('\n')}
    <summary type="text">${esc(e.content.summary)}</summary>
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="${ctx.charset}"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${esc(ctx.lang)}">
  <id>${esc(ctx.idBase)}</id>
  <title type="text">${esc(ctx.title)}</title>
  <subtitle type="text">${esc(ctx.description)}</subtitle>
  <updated>${newest(entries).toISOString()}</updated>
  <link rel="self" type="application/atom+xml" href="${esc(ctx.feedUrl)}"/>
  <link rel="alternate" type="text/html" href="${esc(ctx.homepageUrl)}"/>
${ctx.hubUrl ? `  <link rel="hub" href="${esc(ctx.hubUrl)}"/>\n` : ''}  <rights>${esc(ctx.attribution)}</rights>
  <generator>newsline publisher-sim</generator>
${items}
</feed>
`;
}

export function renderJsonFeed(ctx: FeedContext, entries: readonly Entry[]): string {
  return (
    JSON.stringify(
      {
        version: 'https://jsonfeed.org/version/1.1',
        title: ctx.title,
        home_page_url: ctx.homepageUrl,
        feed_url: ctx.feedUrl,
        ...(ctx.hubUrl ? { hubs: [{ type: 'WebSub', url: ctx.hubUrl }] } : {}),
        description: ctx.description,
        language: ctx.lang,
        authors: [{ name: ctx.siteName }],
        items: entries.map((e) => ({
          id: e.guid,
          url: e.url,
          title: e.content.title,
          summary: e.content.summary,
          content_html: `<p>${esc(e.content.paragraphs[0] ?? e.content.summary)}</p>`,
          date_published: e.publishedAt.toISOString(),
          date_modified: e.publishedAt.toISOString(),
          authors: [{ name: e.content.author }],
          tags: e.content.tags,
          language: e.content.lang,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function renderFeed(format: FeedFormat, ctx: FeedContext, entries: readonly Entry[]): string {
  switch (format) {
    case 'rss2':
      return renderRss(ctx, entries);
    case 'atom1':
      return renderAtom(ctx, entries);
    case 'jsonfeed1.1':
      return renderJsonFeed(ctx, entries);
  }
}

export const FEED_MIME: Record<FeedFormat, string> = {
  rss2: 'application/rss+xml',
  atom1: 'application/atom+xml',
  'jsonfeed1.1': 'application/feed+json',
};

export interface PageContext {
  bank: LangBank;
  charset: string;
  siteName: string;
  sourceKey: string;
  homepageUrl: string;
  feedUrl: string;
  feedFormat: FeedFormat;
  attribution: string;
  logoUrl: string;
}

/** JSON-LD for a <script> (raw text: no character references), \\u-escaping what the charset lacks. */
function jsonLd(x: unknown, charset = 'utf-8'): string {
  let out = '';
  for (const ch of JSON.stringify(x, null, 2).replace(/</g, '\\u003c')) {
    out += canEncode(ch, charset)
      ? ch
      : Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
  }
  return out;
}

function formatDate(d: Date, lang: string): string {
  return d.toLocaleString(lang === 'ja' ? 'ja-JP' : lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
}

function header(ctx: PageContext): string {
  const ui = ctx.bank.ui;
  return `<div class="cookie-banner" id="cookie-consent" role="dialog">
  <p>${esc(ui.cookie)}</p>
  <button type="button" class="cookie-accept">${esc(ui.cookieAccept)}</button>
  <button type="button" class="cookie-settings">${esc(ui.cookieSettings)}</button>
</div>
<header class="site-header">
  <a class="logo" href="${esc(ctx.homepageUrl)}">${esc(ctx.siteName)}</a>
  <nav class="main-nav" aria-label="main">
    <ul>
${ui.nav.map((n, i) => `      <li><a href="${esc(ctx.homepageUrl)}${i === 0 ? '' : `section/${i}`}">${esc(n)}</a></li>`).join('\n')}
    </ul>
  </nav>
  <form class="search" action="${esc(ctx.homepageUrl)}search" method="get"><input type="search" name="q" placeholder="${esc(ui.search)}"><button>${esc(ui.search)}</button></form>
</header>`;
}

function footer(ctx: PageContext): string {
  return `<footer class="site-footer">
  <nav class="footer-nav"><ul>
${ctx.bank.ui.footerLinks.map((l, i) => `    <li><a href="${esc(ctx.homepageUrl)}page/${i}">${esc(l)}</a></li>`).join('\n')}
  </ul></nav>
  <p class="copyright">${esc(ctx.attribution)}</p>
  <p class="feeds"><a href="${esc(ctx.feedUrl)}">RSS / Atom / JSON</a></p>
</footer>`;
}

/** A full article page: metadata for extraction plus the boilerplate extraction must drop. */
export function renderArticlePage(ctx: PageContext, e: Entry, related: readonly Entry[]): string {
  const ui = ctx.bank.ui;
  const c = e.content;
  const iso = e.publishedAt.toISOString();
  const ld = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    mainEntityOfPage: { '@type': 'WebPage', '@id': e.url },
    headline: c.title,
    description: c.summary,
    inLanguage: c.lang,
    datePublished: iso,
    dateModified: iso,
    articleSection: c.section,
    keywords: c.tags,
    author: [{ '@type': 'Person', name: c.author }],
    publisher: { '@type': 'Organization', name: ctx.siteName, logo: { '@type': 'ImageObject', url: ctx.logoUrl } },
    copyrightHolder: { '@type': 'Organization', name: ctx.siteName },
  };
  const mid = Math.max(1, Math.floor(c.paragraphs.length / 2));
  const firstRelated = related[0];
  const body = c.paragraphs
    .map((p, i) => {
      const para = `      <p>${esc(p)}</p>`;
      return i === mid && firstRelated
        ? `<aside class="inline-related"><strong>${esc(ui.readMore)}:</strong> <a href="${esc(firstRelated.url)}">${esc(firstRelated.content.title)}</a></aside>\n${para}`
        : para;
    })
    .join('\n');
  const alternateType = FEED_MIME[ctx.feedFormat];
  return `<!DOCTYPE html>
<html lang="${esc(c.lang)}">
<head>
<meta charset="${esc(ctx.charset)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(c.title)} | ${esc(ctx.siteName)}</title>
<meta name="description" content="${esc(c.summary)}">
<meta name="author" content="${esc(c.author)}">
<link rel="canonical" href="${esc(e.url)}">
<link rel="alternate" type="${alternateType}" title="${esc(ctx.siteName)}" href="${esc(ctx.feedUrl)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="${esc(ctx.siteName)}">
<meta property="og:title" content="${esc(c.title)}">
<meta property="og:description" content="${esc(c.summary)}">
<meta property="og:url" content="${esc(e.url)}">
<meta property="og:locale" content="${esc(ctx.bank.locale)}">
<meta property="article:published_time" content="${iso}">
<meta property="article:section" content="${esc(c.section)}">
${c.tags.map((t) => `<meta property="article:tag" content="${esc(t)}">`).join('\n')}
<meta name="twitter:card" content="summary">
<script type="application/ld+json">
${jsonLd(ld, ctx.charset)}
</script>
<style>body{font-family:sans-serif;max-width:48rem;margin:auto}.cookie-banner{position:fixed;bottom:0;background:#eee}</style>
<script>window.dataLayer=window.dataLayer||[];window.dataLayer.push({page:'article'});</script>
</head>
<body>
${header(ctx)}
<main id="content">
  <article class="story">
    <header class="story-header">
      <p class="kicker"><a href="${esc(ctx.homepageUrl)}">${esc(c.section)}</a></p>
      <h1 class="headline">${esc(c.title)}</h1>
      <p class="standfirst">${esc(c.summary)}</p>
      <p class="byline">${esc(ui.by)} <a rel="author" href="${esc(ctx.homepageUrl)}authors/${encodeURIComponent(c.author)}">${esc(c.author)}</a> · <time datetime="${iso}">${esc(formatDate(e.publishedAt, c.lang))}</time></p>
    </header>
    <div class="share-buttons" aria-label="${esc(ui.share)}">
      <span>${esc(ui.share)}:</span>
${ui.shareTargets.map((s) => `      <a class="share" href="#share-${encodeURIComponent(s)}">${esc(s)}</a>`).join('\n')}
      <button type="button" class="copy-link">${esc(ui.copyLink)}</button>
    </div>
    <div class="article-body" itemprop="articleBody">
${body}
    </div>
    <ul class="tags">
${c.tags.map((t) => `      <li><a href="${esc(ctx.homepageUrl)}tag/${encodeURIComponent(t)}">${esc(t)}</a></li>`).join('\n')}
    </ul>
    <aside class="newsletter">
      <h2>${esc(ui.newsletterTitle)}</h2>
      <p>${esc(ui.newsletterText)}</p>
      <form action="${esc(ctx.homepageUrl)}newsletter" method="post"><input type="email" name="email" placeholder="email@example.com"><button>${esc(ui.newsletterButton)}</button></form>
    </aside>
  </article>
  <aside class="related">
    <h2>${esc(ui.related)}</h2>
    <ul>
${related.map((r) => `      <li><a href="${esc(r.url)}">${esc(r.content.title)}</a></li>`).join('\n')}
    </ul>
  </aside>
  <section class="comments" id="comments">
    <h2>${esc(ui.comments)} (${ctx.bank.comments.length})</h2>
${ctx.bank.comments
  .map(
    (text, i) => `    <div class="comment">
      <p class="comment-author">${esc(ctx.bank.commenters[(e.seq + i) % ctx.bank.commenters.length]!)}</p>
      <p class="comment-text">${esc(text)}</p>
    </div>`,
  )
  .join('\n')}
  </section>
</main>
${footer(ctx)}
</body>
</html>
`;
}

/** `alternates`: every feed of the outlet, announced for autodiscovery (default: the page's own feed). */
export function renderHomePage(
  ctx: PageContext,
  entries: readonly Entry[],
  alternates: readonly { url: string; format: FeedFormat; title: string }[] = [
    { url: ctx.feedUrl, format: ctx.feedFormat, title: ctx.siteName },
  ],
): string {
  return `<!DOCTYPE html>
<html lang="${esc(ctx.bank.lang)}">
<head>
<meta charset="${esc(ctx.charset)}">
<title>${esc(ctx.siteName)}</title>
<link rel="canonical" href="${esc(ctx.homepageUrl)}">
${alternates.map((a) => `<link rel="alternate" type="${FEED_MIME[a.format]}" title="${esc(a.title)}" href="${esc(a.url)}">`).join('\n')}
<meta property="og:type" content="website">
<meta property="og:site_name" content="${esc(ctx.siteName)}">
</head>
<body>
${header(ctx)}
<main>
  <h1>${esc(ctx.bank.ui.homeTitle)}</h1>
  <ul class="story-list">
${entries.map((e) => `    <li><a href="${esc(e.url)}">${esc(e.content.title)}</a> <time datetime="${e.publishedAt.toISOString()}"></time></li>`).join('\n')}
  </ul>
</main>
${footer(ctx)}
</body>
</html>
`;
}

/** A small but extractable page for the farm. */
export function renderSmallArticlePage(e: Entry, siteName: string, feedUrl: string): string {
  const c = e.content;
  const iso = e.publishedAt.toISOString();
  const ld = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: c.title,
    datePublished: iso,
    author: [{ '@type': 'Person', name: c.author }],
    publisher: { '@type': 'Organization', name: siteName },
  };
  return `<!DOCTYPE html>
<html lang="${esc(c.lang)}">
<head>
<meta charset="utf-8">
<title>${esc(c.title)} | ${esc(siteName)}</title>
<link rel="canonical" href="${esc(e.url)}">
<link rel="alternate" type="application/rss+xml" href="${esc(feedUrl)}">
<meta property="og:title" content="${esc(c.title)}">
<meta property="og:url" content="${esc(e.url)}">
<meta property="og:site_name" content="${esc(siteName)}">
<script type="application/ld+json">${jsonLd(ld)}</script>
</head>
<body>
<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/science">Science</a></nav>
<article>
<h1>${esc(c.title)}</h1>
<p class="byline">By ${esc(c.author)} <time datetime="${iso}">${iso}</time></p>
${c.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('\n')}
</article>
<footer><p>© ${esc(siteName)} (simulated publisher)</p></footer>
</body>
</html>
`;
}
