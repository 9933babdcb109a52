import { parseJsonFeed } from 'feedsmith';
import { htmlToText, sanitizeHtml } from '@newsline/sanitize';
import { createHash } from 'node:crypto';
import { parseFeedDate } from './dates';
import { stripControlChars } from './text';
import type { FeedEntry, ParsedFeed } from './types';

type JsonFeed = ReturnType<typeof parseJsonFeed>;
type JsonItem = NonNullable<JsonFeed['items']>[number];

function absolute(href: unknown, base: string | undefined): string | undefined {
  if (typeof href !== 'string' || !href.trim()) return undefined;
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const text = (s: unknown): string | undefined => {
  if (typeof s !== 'string') return undefined;
  return htmlToText(stripControlChars(s).replace(/</g, '&lt;')).replace(/\s+/g, ' ').trim() || undefined;
};

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function authorNames(x: { authors?: { name?: string }[]; author?: { name?: string } }): string[] {
  const list = x.authors ?? (x.author ? [x.author] : []);
  return list.map((a) => text(a?.name)).filter((n): n is string => !!n);
}

function entryOf(item: JsonItem, base: string | undefined, language: string | undefined): FeedEntry {
  const link = absolute(item.url, base) ?? absolute(item.external_url, base);
  const title = text(item.title);
  const published = typeof item.date_published === 'string' ? parseFeedDate(item.date_published) : undefined;
  const updated = typeof item.date_modified === 'string' ? parseFeedDate(item.date_modified) : undefined;
  const contentHtml = item.content_html ?? (item.content_text ? escapeHtml(item.content_text).replace(/\n/g, '<br>') : undefined);
  const content = contentHtml ? sanitizeHtml(stripControlChars(contentHtml), link ?? base) || undefined : undefined;
  const summary = item.summary ? sanitizeHtml(escapeHtml(stripControlChars(item.summary)), link ?? base) || undefined : undefined;
  const guid = item.id !== undefined && item.id !== null && String(item.id).trim() ? String(item.id).trim() : undefined;
  const enclosures = (item.attachments ?? []).flatMap((a) => {
    const url = absolute(a.url, base);
    if (!url) return [];
    return [
      { url, ...(a.mime_type ? { type: a.mime_type } : {}), ...(typeof a.size_in_bytes === 'number' ? { length: a.size_in_bytes } : {}) },
    ];
  });
  const image = absolute(item.image, base) ?? absolute(item.banner_image, base);
  const lang = item.language ?? language;
  return {
    id:
      guid ??
      link ??
      'sha1:' +
        createHash('sha1')
          .update(`${title ?? ''}\u0000${(published ?? updated)?.toISOString() ?? ''}`)
          .digest('hex'),
    ...(guid ? { guid } : {}),
    ...(title ? { title } : {}),
    ...(link ? { link } : {}),
    authors: authorNames(item),
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    ...(summary ? { summary } : {}),
    ...(content ? { content } : {}),
    categories: (item.tags ?? []).filter((t): t is string => typeof t === 'string' && !!t.trim()).map((t) => t.trim()),
    ...(image ? { image } : {}),
    enclosures,
    ...(lang ? { language: lang } : {}),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * feedsmith refuses ("Invalid feed format") an object whose `version` does not name
 * jsonfeed.org, or that has neither a title nor feed properties; feedparser reads any object
 * with items. So an object that has an `items` array, a title or a JSON Feed version string is
 * handed to feedsmith again under the canonical version, which keeps its field validation.
 */
function readJsonFeed(value: unknown): JsonFeed {
  try {
    return parseJsonFeed(value);
  } catch (e) {
    if (!isObject(value)) throw e;
    const keys = Object.keys(value);
    const get = (name: string): unknown => value[keys.find((k) => k.toLowerCase() === name) ?? name];
    const version = get('version');
    const looksLikeFeed =
      Array.isArray(get('items')) ||
      (typeof version === 'string' && /jsonfeed|^\s*v?1(\.\d)?\s*$/i.test(version)) ||
      typeof get('title') === 'string';
    if (!looksLikeFeed) throw e;
    const copy: Record<string, unknown> = {};
    for (const k of keys) if (k.toLowerCase() !== 'version') copy[k] = value[k];
    copy.version = 'https://jsonfeed.org/version/1.1';
    try {
      return parseJsonFeed(copy);
    } catch {
      // Nothing feedsmith could read (every field empty or of the wrong type): a feed without entries.
      return {} as JsonFeed;
    }
  }
}

/** JSON Feed 1.0/1.1, read by feedsmith (leniently, see readJsonFeed) and mapped to our model. */
export function normalizeJson(value: unknown, base: string | undefined, charset: string, maxEntries: number): ParsedFeed {
  const feed = readJsonFeed(value);
  const feedBase = absolute(feed.home_page_url, base) ?? base;
  const language = typeof feed.language === 'string' ? feed.language : undefined;
  const title = text(feed.title);
  const link = absolute(feed.home_page_url, base);
  const description = text(feed.description);
  const image = absolute(feed.icon, base) ?? absolute(feed.favicon, base);
  const self = absolute(feed.feed_url, base);
  return {
    format: 'json',
    ...(title ? { title } : {}),
    ...(link ? { link } : {}),
    ...(description ? { description } : {}),
    ...(language ? { language } : {}),
    ...(image ? { image } : {}),
    entries: (feed.items ?? []).slice(0, maxEntries).map((i) => entryOf(i, feedBase, language)),
    charset,
    hubs: [
      ...new Set((feed.hubs ?? []).flatMap((h) => (!h.type || /websub|pubsubhubbub/i.test(h.type) ? (absolute(h.url, base) ?? []) : []))),
    ],
    ...(self ? { self } : {}),
  };
}
