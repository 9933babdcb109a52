/**
 * @newsline/extract — pure article extraction: HTML + URL in, clean attributed article out.
 * No I/O. Never throws: every failure is a typed result.
 */
import { parseHTML } from 'linkedom';
import { sanitizeHtml } from '@newsline/sanitize';
import { chooseRoot, computeStats, findLede } from './content';
import { render } from './render';
import { buildTree, textOf, type DomNode } from './tree';
import { detectLanguage, normalizeLang } from './language';
import { simhash, textHash, wordCount } from './hash';
import { absoluteUrl, first, ldArticle, MODIFIED_KEYS, parseDate, parseJsonLdBlocks, PUBLISHED_KEYS, type LdArticle } from './metadata';

export { simhash, simhashDistance, textHash, wordCount, fnv1a64 } from './hash';
export { parseDate } from './metadata';
export { detectLanguage } from './language';

export interface ExtractedArticle {
  title: string;
  byline?: string;
  authors: string[];
  publishedAt?: Date;
  modifiedAt?: Date;
  language?: string;
  canonicalUrl: string;
  siteName?: string;
  image?: string;
  description?: string;
  section?: string;
  keywords: string[];
  paywalled: boolean;
  html: string;
  text: string;
  wordCount: number;
  textHash: string;
  simhash: string;
}

export type ExtractErrorCode = 'too-large' | 'no-content' | 'parse-failed';

export type ExtractResult = { ok: true; article: ExtractedArticle } | { ok: false; error: { code: ExtractErrorCode; message: string } };

export interface ExtractOptions {
  /** The HTTP Content-Language header, if any. */
  contentLanguage?: string;
  /** Pages above this many UTF-8 bytes are refused (default 8 MiB). */
  maxHtmlBytes?: number;
}

export const DEFAULT_MAX_HTML_BYTES = 8 * 1024 * 1024;

const fail = (code: ExtractErrorCode, message: string): ExtractResult => ({ ok: false, error: { code, message } });

const JSON_LD = /<script\b[^>]*?type\s*=\s*["']?application\/ld\+json["']?[^>]*>([\s\S]*?)<\/script\s*>/gi;
// Removed before parsing: they are never content, and stylesheets/scripts are where parsers choke.
const STRIP =
  /<script\b[\s\S]*?<\/script\s*>|<style\b[\s\S]*?<\/style\s*>|<!--[\s\S]*?-->|<svg\b[\s\S]*?<\/svg\s*>|<noscript\b[\s\S]*?<\/noscript\s*>|<template\b[\s\S]*?<\/template\s*>/gi;

export function extractArticle(html: string, url: string, opts: ExtractOptions = {}): ExtractResult {
  try {
    return extract(html, url, opts);
  } catch (e) {
    return fail('parse-failed', `extraction failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function extract(html: string, url: string, opts: ExtractOptions): ExtractResult {
  if (typeof html !== 'string') return fail('parse-failed', 'input is not a string');
  const max = opts.maxHtmlBytes ?? DEFAULT_MAX_HTML_BYTES;
  if (html.length > max || (html.length * 3 > max && Buffer.byteLength(html, 'utf8') > max)) {
    return fail('too-large', `page exceeds ${max} bytes`);
  }
  const head = html.slice(0, 2048);
  // Binary or markup-free input (PDF, JSON, images) is not a page we can read.
  // eslint-disable-next-line no-control-regex
  if (/^\s*%PDF-/.test(head) || /[\u0000-\u0008\u000e-\u001a]/.test(head) || !/<[a-z!?/]/i.test(html)) {
    return fail('parse-failed', 'input is not HTML');
  }
  const baseUrl = absoluteUrl(url, 'https://invalid.invalid/') ?? 'https://invalid.invalid/';

  const ldSources: string[] = [];
  for (const m of html.matchAll(JSON_LD)) ldSources.push(m[1] ?? '');
  const stripped = rooted(html.replace(STRIP, ' '));

  const { document } = parseHTML(stripped) as unknown as { document: { documentElement: DomNode | null; body: DomNode | null } };
  const docEl = document.documentElement;
  if (!docEl) return fail('parse-failed', 'document has no root element');
  const tree = buildTree(docEl, docEl);
  computeStats(tree.order);
  const ld = ldArticle(parseJsonLdBlocks(ldSources));
  const meta = tree.meta;

  const ogTitle = first(meta, ['og:title', 'twitter:title', 'parsely-title', 'sailthru.title', 'dc.title', 'headline']);
  const h1 = tree.h1s.map((n) => textOf(n.el)).find((t) => t.length > 3);
  const title = cleanTitle(ogTitle ?? ld?.headline ?? h1 ?? tree.title ?? '', first(meta, ['og:site_name']));

  const { boiler, parts, level } = chooseRoot(tree.order);
  const lede = findLede(tree.root, parts, tree.h1s, boiler, first(meta, ['og:description', 'description', 'twitter:description']));
  const pieces = [...lede, ...parts].map((p) => render(p, { boiler, title: h1 ?? title, level }));
  let text = pieces
    .map((r) => r.text)
    .filter(Boolean)
    .join('\n\n');
  let bodyHtml = pieces.map((r) => r.html).join('');
  const fromLd = ldBodyFallback(ld, text);
  if (fromLd) {
    text = fromLd;
    bodyHtml = fromLd
      .split('\n\n')
      .map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`)
      .join('');
  }
  if (wordCount(text) === 0) return fail('no-content', 'no article text found');

  const canonicalUrl = canonical(tree, ld, baseUrl, docEl);
  const authors = dedupe([...(ld?.authors ?? []), ...metaAuthors(meta)]).slice(0, 10);
  const publishedAt = parseDate(ld?.datePublished) ?? parseDate(first(meta, PUBLISHED_KEYS)) ?? firstDate(tree.times);
  const modifiedAt = parseDate(ld?.dateModified) ?? parseDate(first(meta, MODIFIED_KEYS));
  const image =
    absoluteUrl(
      first(meta, ['og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src', 'thumbnailurl']) ?? ld?.image,
      baseUrl,
    ) ?? absoluteUrl(/<img\b[^>]*\bsrc="([^"]+)"/i.exec(bodyHtml)?.[1]?.replace(/&amp;/g, '&'), baseUrl);
  const keywords = dedupe(
    [
      ...(ld?.keywords ?? []),
      ...(meta.get('article:tag') ?? []),
      ...(first(meta, ['news_keywords', 'keywords', 'parsely-tags', 'sailthru.tags']) ?? '').split(/[,;]/),
    ]
      .map((k) => k.trim())
      .filter((k) => k && k.length < 80),
  ).slice(0, 30);
  const declared =
    normalizeLang(tree.htmlLang) ??
    normalizeLang(opts.contentLanguage) ??
    normalizeLang(first(meta, ['content-language', 'dc.language', 'language', 'og:locale'])) ??
    normalizeLang(ld?.inLanguage);
  const detected = detectLanguage(text);
  const language = pickLanguage(declared, detected);
  const paywalled = ld?.isAccessibleForFree === false || /^false$/i.test(first(meta, ['isaccessibleforfree']) ?? '');

  return {
    ok: true,
    article: {
      title,
      byline: first(meta, ['byl']) ?? (authors.length ? authors.join(', ') : undefined),
      authors,
      publishedAt,
      modifiedAt,
      language,
      canonicalUrl,
      siteName: first(meta, ['og:site_name', 'application-name', 'apple-mobile-web-app-title']) ?? ld?.publisher,
      image,
      description: first(meta, ['og:description', 'description', 'twitter:description', 'dc.description']) ?? ld?.description,
      section: first(meta, ['article:section', 'parsely-section', 'section', 'category']) ?? ld?.section,
      keywords,
      paywalled,
      html: sanitizeHtml(bodyHtml, canonicalUrl),
      text,
      wordCount: wordCount(text),
      textHash: textHash(text),
      simhash: simhash(text),
    },
  };
}

/**
 * linkedom makes the first element the document element and drops its siblings, so stray output
 * before <html> (a server's warnings) or a page whose <html> tag sat in a stripped conditional
 * comment would lose its whole body. Start the markup at <html>, adding one when there is none.
 */
function rooted(s: string): string {
  const t = s.replace(/<!doctype[^>]*>/gi, ' ');
  const i = t.search(/<html[\s>]/i);
  return i >= 0 ? t.slice(i) : `<html>${t}</html>`;
}

/**
 * JSON-LD articleBody replaces the DOM extraction only when it is clearly more complete and
 * demonstrably the same article (its opening words are also in our text).
 */
function ldBodyFallback(ld: LdArticle | undefined, text: string): string | undefined {
  const body = ld?.articleBody?.trim();
  if (!body || /<[a-z][^>]*>/i.test(body)) return undefined;
  const ours = wordCount(text);
  const theirs = wordCount(body);
  if (theirs < 80 || theirs < ours * 1.5) return undefined;
  const norm = (s: string): string => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
  const probe = norm(body).split(' ').slice(0, 12).join(' ');
  if (ours > 20 && !norm(text).includes(probe)) return undefined;
  return body
    .replace(/\r\n?/g, '\n')
    .replace(/\n\s*\n+/g, '\n\n')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

function cleanTitle(raw: string, siteName: string | undefined): string {
  let t = raw.replace(/\s+/g, ' ').trim();
  if (siteName) {
    const esc = siteName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    t = t.replace(new RegExp(`\\s*[|\\-–—:·•]\\s*${esc}\\s*$`, 'i'), '').trim() || t;
  }
  return t;
}

function metaAuthors(meta: Map<string, string[]>): string[] {
  const raw = [
    ...(meta.get('author') ?? []),
    ...(meta.get('article:author') ?? []),
    ...(meta.get('parsely-author') ?? []),
    ...(meta.get('sailthru.author') ?? []),
    ...(meta.get('dc.creator') ?? []),
    ...(meta.get('citation_author') ?? []),
  ];
  return raw
    .flatMap((s) => s.split(/\s*(?:,|;|\band\b|&)\s*/))
    .map((s) => s.replace(/^by\s+/i, '').trim())
    .filter((s) => s && !/^https?:|^www\.|[@/]/i.test(s) && s.length < 80);
}

function dedupe(xs: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const x of xs) {
    const k = x.toLowerCase().replace(/\s+/g, ' ').trim();
    if (!k || seen.has(k)) continue;
    seen.add(k);
    out.push(x.replace(/\s+/g, ' ').trim());
  }
  return out;
}

function firstDate(values: string[]): Date | undefined {
  for (const v of values) {
    const d = parseDate(v);
    if (d) return d;
  }
  return undefined;
}

const AMP_URL = /(?:\/amp\/?$|\/amp\/|[?&]amp(?:=1|=true)?(?:&|$)|\.amp(?:\.html?)?$|[?&]outputType=amp)/i;

function canonical(tree: ReturnType<typeof buildTree>, ld: LdArticle | undefined, baseUrl: string, docEl: DomNode): string {
  const fromLink = absoluteUrl(tree.links.get('canonical')?.[0], baseUrl);
  if (fromLink) return fromLink;
  const og = absoluteUrl(first(tree.meta, ['og:url']), baseUrl) ?? absoluteUrl(ld?.url, baseUrl);
  if (og) return og;
  const isAmp = docEl.getAttribute?.('amp') !== null || docEl.getAttribute?.('⚡') !== null;
  if (isAmp || AMP_URL.test(baseUrl)) {
    // An AMP page without rel=canonical: drop the AMP markers from its own URL.
    try {
      const u = new URL(baseUrl);
      u.pathname = u.pathname
        .replace(/\/amp\/?$/i, '/')
        .replace(/\/amp\//i, '/')
        .replace(/\.amp(\.html?)?$/i, '$1');
      u.searchParams.delete('amp');
      u.searchParams.delete('outputType');
      return u.href;
    } catch {
      return baseUrl;
    }
  }
  return baseUrl;
}

function pickLanguage(declared: string | undefined, detected: string | undefined): string | undefined {
  if (!declared) return detected;
  // A template's lang="en" on a page written in another script is wrong; trust the text.
  const nonLatin = new Set(['ja', 'ko', 'zh', 'ar', 'he', 'el', 'th', 'hi', 'ru', 'uk', 'fa']);
  if (detected && nonLatin.has(detected) && declared.split('-')[0] !== detected) return detected;
  return declared;
}
export { publisherSignals, type PublisherSignals } from './signals';
