// RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the latest headlines; every value escaped for XML.
import { escape } from './html';

export interface FeedItem {
  id: string;
  title: string;
  summary?: string | null;
  language?: string | null;
  publishedAt: Date;
  sourceUrl: string;
}
export interface FeedMeta {
  title: string;
  /** Our listing page and the feed's own URL (absolute). */
  home: string;
  self: string;
  base: string;
  lang?: string;
}

const page = (m: FeedMeta, i: FeedItem) => `${m.base}/a/${i.id}`;
const updated = (items: FeedItem[]) => items[0]?.publishedAt ?? new Date(0);

export function rss(m: FeedMeta, items: FeedItem[]): string {
  const it = items
    .map(
      (i) =>
        `<item><title>${escape(i.title)}</title><link>${escape(page(m, i))}</link><guid isPermaLink="true">${escape(page(m, i))}</guid>` +
        `<pubDate>${i.publishedAt.toUTCString()}</pubDate>${i.summary ? `<description>${escape(i.summary)}</description>` : ''}` +
        `<source url="${escape(i.sourceUrl)}">${escape(new URL(i.sourceUrl).host)}</source></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${escape(m.title)}</title><link>${escape(m.home)}</link>
<description>${escape(m.title)} on Newsline</description>${m.lang ? `<language>${escape(m.lang)}</language>` : ''}
<atom:link href="${escape(m.self)}" rel="self" type="application/rss+xml"/><lastBuildDate>${updated(items).toUTCString()}</lastBuildDate>${it}</channel></rss>`;
}

export function atom(m: FeedMeta, items: FeedItem[]): string {
  const e = items
    .map(
      (i) =>
        `<entry><title>${escape(i.title)}</title><id>${escape(page(m, i))}</id><link rel="alternate" href="${escape(page(m, i))}"/>` +
        `<link rel="via" href="${escape(i.sourceUrl)}"/><updated>${i.publishedAt.toISOString()}</updated>` +
        `${i.summary ? `<summary>${escape(i.summary)}</summary>` : ''}</entry>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"${m.lang ? ` xml:lang="${escape(m.lang)}"` : ''}><title>${escape(m.title)}</title><id>${escape(m.self)}</id>
<link rel="self" href="${escape(m.self)}"/><link rel="alternate" href="${escape(m.home)}"/><updated>${updated(items).toISOString()}</updated>
<author><name>Newsline</name></author>${e}</feed>`;
}

export function jsonFeed(m: FeedMeta, items: FeedItem[]): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: m.title,
    home_page_url: m.home,
    feed_url: m.self,
    ...(m.lang ? { language: m.lang } : {}),
    items: items.map((i) => ({
      id: page(m, i),
      url: page(m, i),
      external_url: i.sourceUrl,
      title: i.title,
      ...(i.summary ? { summary: i.summary, content_text: i.summary } : { content_text: i.title }),
      date_published: i.publishedAt.toISOString(),
      ...(i.language ? { language: i.language } : {}),
    })),
  });
}

export const FEED_TYPES = { rss: 'application/rss+xml; charset=utf-8', atom: 'application/atom+xml; charset=utf-8', json: 'application/feed+json; charset=utf-8' } as const;
