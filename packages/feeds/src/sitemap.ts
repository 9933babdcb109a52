import { gunzipSync } from 'node:zlib';
import { decodeBytes } from '@newsline/charset';
import { decodeHTML } from 'entities';
import { parseFeedDate } from './dates';
import { stripControlChars } from './text';
import { HostileError, parseXml, stripDoctype, type XmlElement, type XmlNode } from './xml';

/** One `<url>` of a sitemap; `news` when it carries a Google News `<news:news>` block. */
export interface SitemapEntry {
  /** Absolute http(s) URL on the sitemap's host. */
  url: string;
  lastmod?: Date;
  news?: { title?: string; published?: Date; language?: string; publication?: string; keywords: string[] };
  image?: string;
}

export type SitemapParseResult =
  | {
      ok: true;
      kind: 'urlset' | 'index';
      /** `urlset`: its URLs (same host only, at most maxUrls). */
      entries: SitemapEntry[];
      /** `index`: child sitemaps on the same host, newest `lastmod` first. */
      sitemaps: { url: string; lastmod?: Date }[];
      /** URLs (or child sitemaps) refused: another host than the sitemap's, not http(s), or beyond maxUrls. */
      refused: number;
    }
  | { ok: false; error: { code: 'too-large' | 'malformed' | 'not-a-sitemap' | 'hostile' | 'empty'; message: string } };

export interface ParseSitemapOptions {
  /** The sitemap's own URL: relative locations resolve against it and its host bounds every URL. */
  url: string;
  contentType?: string;
  /** Cap on the (decompressed) document. Default 50 MiB, the sitemaps.org limit. */
  maxBytes?: number;
  /** Cap on URLs kept. Default 50 000, the sitemaps.org limit. */
  maxUrls?: number;
}

const MiB = 1024 * 1024;

const fail = (code: Extract<SitemapParseResult, { ok: false }>['error']['code'], message: string): SitemapParseResult => ({
  ok: false,
  error: { code, message },
});

function text(node: XmlNode | undefined): string {
  if (!node) return '';
  if (node.kind === 'text') return node.cdata ? node.text : decodeHTML(node.text);
  return node.children.map(text).join('');
}

const kids = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => c.kind === 'element');
const childByLocal = (el: XmlElement, local: string): XmlElement | undefined => kids(el).find((c) => c.local === local);
const clean = (s: string): string => stripControlChars(s).replace(/\s+/g, ' ').trim();

/** Same host as the sitemap (either scheme): sitemaps.org lets a sitemap list only its own host's URLs. */
function sameHost(loc: string, base: URL): string | undefined {
  try {
    const u = new URL(loc, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.hostname.toLowerCase() !== base.hostname.toLowerCase()) return undefined;
    u.hash = '';
    return u.href;
  } catch {
    return undefined;
  }
}

/**
 * Parses a sitemap or sitemap index (sitemaps.org 0.9), plain or gzip-compressed, with the Google
 * News (`news:`) and image extensions. Pure and bounded: the decompressed size is capped while
 * inflating, URLs beyond `maxUrls` and URLs on other hosts are counted as refused, never kept.
 */
export function parseSitemap(bytes: Uint8Array, opts: ParseSitemapOptions): SitemapParseResult {
  const maxBytes = opts.maxBytes ?? 50 * MiB;
  const maxUrls = opts.maxUrls ?? 50_000;
  let base: URL;
  try {
    base = new URL(opts.url);
  } catch {
    return fail('malformed', `not a URL: ${opts.url}`);
  }
  if (bytes.byteLength === 0) return fail('empty', 'sitemap is empty');
  let data = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (e) {
      const code = (e as { code?: string }).code;
      return code === 'ERR_BUFFER_TOO_LARGE'
        ? fail('too-large', `gzip sitemap inflates beyond ${maxBytes} bytes`)
        : fail('malformed', `bad gzip data: ${(e as Error).message}`);
    }
  }
  if (data.byteLength > maxBytes) return fail('too-large', `sitemap is ${data.byteLength} bytes, limit ${maxBytes}`);
  const { text: doc } = decodeBytes(data, { contentType: opts.contentType, kind: 'xml' });
  const trimmed = doc.replace(/^[\s\ufeff]+/, '');
  if (!trimmed.startsWith('<')) return fail('not-a-sitemap', 'document is not XML');
  let root: XmlElement | undefined;
  try {
    root = parseXml(stripDoctype(trimmed, Math.max(maxBytes, trimmed.length * 2)));
  } catch (e) {
    if (e instanceof HostileError) return fail('hostile', e.message);
    return fail('malformed', `XML error: ${(e as Error).message}`);
  }
  if (!root) return fail('malformed', 'no root element');
  let refused = 0;
  if (root.local === 'sitemapindex') {
    const sitemaps: { url: string; lastmod?: Date }[] = [];
    for (const s of kids(root).filter((c) => c.local === 'sitemap')) {
      const url = sameHost(clean(text(childByLocal(s, 'loc'))), base);
      if (!url || sitemaps.length >= maxUrls) {
        refused++;
        continue;
      }
      const lastmod = parseFeedDate(clean(text(childByLocal(s, 'lastmod'))));
      sitemaps.push({ url, ...(lastmod ? { lastmod } : {}) });
    }
    sitemaps.sort((a, b) => (b.lastmod?.getTime() ?? 0) - (a.lastmod?.getTime() ?? 0));
    return { ok: true, kind: 'index', entries: [], sitemaps, refused };
  }
  if (root.local !== 'urlset') return fail('not-a-sitemap', `root element <${root.qname}> is not <urlset> or <sitemapindex>`);
  const entries: SitemapEntry[] = [];
  for (const u of kids(root).filter((c) => c.local === 'url')) {
    const url = sameHost(clean(text(childByLocal(u, 'loc'))), base);
    if (!url || entries.length >= maxUrls) {
      refused++;
      continue;
    }
    const lastmod = parseFeedDate(clean(text(childByLocal(u, 'lastmod'))));
    const entry: SitemapEntry = { url, ...(lastmod ? { lastmod } : {}) };
    const news = kids(u).find((c) => c.local === 'news' && c.ns !== '');
    if (news) {
      const pub = childByLocal(news, 'publication');
      const title = clean(text(childByLocal(news, 'title')));
      const published = parseFeedDate(clean(text(childByLocal(news, 'publication_date'))));
      const language = clean(text(pub && childByLocal(pub, 'language')));
      const publication = clean(text(pub && childByLocal(pub, 'name')));
      const keywords = clean(text(childByLocal(news, 'keywords')))
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      entry.news = {
        ...(title ? { title } : {}),
        ...(published ? { published } : {}),
        ...(language ? { language } : {}),
        ...(publication ? { publication } : {}),
        keywords,
      };
    }
    const image = kids(u).find((c) => c.local === 'image' && c.ns !== '');
    const imageLoc = image ? sameOrAnyHost(clean(text(childByLocal(image, 'loc'))), base) : undefined;
    if (imageLoc) entry.image = imageLoc;
    entries.push(entry);
  }
  return { ok: true, kind: 'urlset', entries, sitemaps: [], refused };
}

/** Images may live on a CDN: only the scheme is checked. */
function sameOrAnyHost(loc: string, base: URL): string | undefined {
  try {
    const u = new URL(loc, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** `Sitemap:` lines of a robots.txt (any case, anywhere in the file, absolute or relative to it), without duplicates. */
export function sitemapsFromRobots(robotsTxt: string, robotsUrl: string): string[] {
  const out = new Set<string>();
  for (const line of robotsTxt.slice(0, 512 * 1024).split(/\r\n|\r|\n/)) {
    const m = /^\s*sitemap\s*:\s*(\S+)/i.exec(line);
    if (!m) continue;
    try {
      const u = new URL(m[1]!, robotsUrl);
      if (u.protocol === 'http:' || u.protocol === 'https:') out.add(u.href);
    } catch {
      // not a URL: skipped
    }
  }
  return [...out];
}
