/**
 * Metadata from the sources publishers actually fill: JSON-LD (incl. @graph and arrays),
 * OpenGraph/article:*, common meta names (parsely, dc, sailthru, citation) and <time>.
 */

export interface RawMeta {
  /** meta name/property/itemprop (lower-cased) → contents in document order. */
  meta: Map<string, string[]>;
  /** link rel (lower-cased token) → hrefs in document order. */
  links: Map<string, string[]>;
  times: string[];
  htmlLang?: string;
  title?: string;
  jsonLd: unknown[];
}

export interface LdArticle {
  headline?: string;
  authors: string[];
  datePublished?: string;
  dateModified?: string;
  description?: string;
  image?: string;
  section?: string;
  keywords: string[];
  url?: string;
  publisher?: string;
  articleBody?: string;
  inLanguage?: string;
  isAccessibleForFree?: boolean;
}

const ARTICLE_TYPES =
  /^(?:\w*article|blogposting|reportage|review|report|analysisnewsarticle|opinionnewsarticle|liveblogposting|posting|webpage|creativework)$/i;
const ARTICLE_STRONG = /article|posting|reportage|review|report/i;

export function parseJsonLdBlocks(sources: string[]): unknown[] {
  const out: unknown[] = [];
  for (const src of sources) {
    const text = src
      .trim()
      .replace(/^<!--|-->$/g, '')
      .replace(/^\s*\/\/<!\[CDATA\[|\/\/\]\]>\s*$/g, '');
    if (!text) continue;
    try {
      out.push(JSON.parse(text));
    } catch {
      // Publishers often leave raw newlines/tabs inside strings; retry with them escaped to spaces.
      try {
        // eslint-disable-next-line no-control-regex
        out.push(JSON.parse(text.replace(/[\u0000-\u001f]+/g, ' ')));
      } catch {
        /* unusable block */
      }
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function flattenLd(values: unknown[], out: Obj[], depth = 0): void {
  if (depth > 6) return;
  for (const v of values) {
    if (Array.isArray(v)) flattenLd(v, out, depth + 1);
    else if (isObj(v)) {
      out.push(v);
      if (Array.isArray(v['@graph'])) flattenLd(v['@graph'] as unknown[], out, depth + 1);
      else if (isObj(v['@graph'])) flattenLd([v['@graph']], out, depth + 1);
      if (isObj(v.mainEntity)) flattenLd([v.mainEntity], out, depth + 1);
    }
  }
}

function types(o: Obj): string[] {
  const t = o['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return str(v[0]);
  if (isObj(v)) return str(v['@value'] ?? v.url ?? v.name ?? v['@id']);
  return undefined;
}

function names(v: unknown, byId: Map<string, Obj>): string[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(...item.split(/\s*(?:,|\band\b|&)\s*/));
    else if (isObj(item)) {
      const ref = typeof item['@id'] === 'string' ? byId.get(item['@id']) : undefined;
      const name = str(item.name) ?? (ref ? str(ref.name) : undefined);
      if (name) out.push(name);
    }
  }
  return out.map((s) => s.trim()).filter((s) => s && !/^https?:/i.test(s));
}

export function ldArticle(blocks: unknown[]): LdArticle | undefined {
  const all: Obj[] = [];
  flattenLd(blocks, all);
  const byId = new Map<string, Obj>();
  for (const o of all) if (typeof o['@id'] === 'string') byId.set(o['@id'], o);
  const candidates = all.filter((o) => types(o).some((t) => ARTICLE_TYPES.test(t)));
  // Prefer real article types over WebPage, then the one with a body or headline.
  candidates.sort((a, b) => rank(b) - rank(a));
  const a = candidates[0];
  if (!a) return undefined;
  const image = a.image ?? a.thumbnailUrl;
  const kw = a.keywords;
  const free = a.isAccessibleForFree ?? (isObj(a.hasPart) ? a.hasPart.isAccessibleForFree : undefined);
  const publisher = isObj(a.publisher)
    ? (str(a.publisher.name) ?? str(typeof a.publisher['@id'] === 'string' ? byId.get(a.publisher['@id'])?.name : undefined))
    : str(a.publisher);
  return {
    headline: str(a.headline) ?? str(a.name),
    authors: names(a.author ?? a.creator, byId),
    datePublished: str(a.datePublished) ?? str(a.dateCreated) ?? str(a.uploadDate),
    dateModified: str(a.dateModified),
    description: str(a.description),
    image: str(image),
    section: str(a.articleSection),
    keywords: Array.isArray(kw) ? kw.filter((k): k is string => typeof k === 'string') : typeof kw === 'string' ? kw.split(',') : [],
    url: str(a.url) ?? str(a.mainEntityOfPage),
    publisher,
    articleBody: typeof a.articleBody === 'string' ? a.articleBody : undefined,
    inLanguage: str(a.inLanguage),
    isAccessibleForFree: free === false || free === 'False' || free === 'false' ? false : free === undefined ? undefined : true,
  };
}

function rank(o: Obj): number {
  let r = 0;
  if (types(o).some((t) => ARTICLE_STRONG.test(t))) r += 4;
  if (typeof o.articleBody === 'string') r += 2;
  if (o.headline) r += 1;
  return r;
}

const MIN_YEAR = 1990;

/** Parses the date formats seen in news metadata; undefined for anything implausible. */
export function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  let s = value.trim();
  if (!s) return undefined;
  if (/^\d{10}(\d{3})?$/.test(s)) {
    const n = Number(s);
    return plausible(new Date(s.length === 10 ? n * 1000 : n));
  }
  // Compact ISO (20191119T120000Z) and "YYYY-MM-DD HH:MM:SS" variants.
  const compact = /^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (compact) {
    const [, y, mo, d, h = '00', mi = '00', se = '00', z = 'Z'] = compact;
    s = `${y}-${mo}-${d}T${h}:${mi}:${se}${z}`;
  }
  const iso =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', se = '0', zone] = iso;
    let z = !zone || /^(z|utc|gmt)$/i.test(zone) ? 'Z' : zone;
    if (/^[+-]\d{2}$/.test(z)) z += ':00';
    else if (/^[+-]\d{4}$/.test(z)) z = `${z.slice(0, 3)}:${z.slice(3)}`;
    const p2 = (x: string): string => x.padStart(2, '0');
    return plausible(new Date(`${y}-${p2(mo!)}-${p2(d!)}T${p2(h)}:${p2(mi)}:${p2(se)}${z}`));
  }
  // RFC 2822 / English long forms; a missing zone means UTC so results do not depend on the host.
  const hasZone = /(?:[+-]\d{4}|\b(?:GMT|UTC|Z|[ECMP][SD]T)\b)\s*$/i.test(s);
  const t = Date.parse(hasZone ? s : `${s.replace(/\s+at\s+/i, ' ')} UTC`);
  return Number.isNaN(t) ? undefined : plausible(new Date(t));
}

function plausible(d: Date): Date | undefined {
  const y = d.getUTCFullYear();
  return Number.isNaN(d.getTime()) || y < MIN_YEAR || y > 2100 ? undefined : d;
}

export function first(meta: Map<string, string[]>, keys: string[]): string | undefined {
  for (const k of keys) {
    for (const v of meta.get(k) ?? []) if (v.trim()) return v.trim();
  }
  return undefined;
}

export function absoluteUrl(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export const PUBLISHED_KEYS = [
  'article:published_time',
  'og:article:published_time',
  'article.published',
  'parsely-pub-date',
  'sailthru.date',
  'datepublished',
  'dc.date.issued',
  'dcterms.created',
  'dc.date',
  'dcterms.date',
  'date',
  'pubdate',
  'publishdate',
  'publish-date',
  'publication_date',
  'citation_publication_date',
  'citation_date',
  'article_date_original',
  'originalpublicationdate',
  'cxenseparse:recs:publishtime',
  'dc.date.created',
  'og:published_time',
];
export const MODIFIED_KEYS = [
  'article:modified_time',
  'og:updated_time',
  'og:article:modified_time',
  'datemodified',
  'dcterms.modified',
  'dc.date.modified',
  'last-modified',
  'lastmod',
  'article.updated',
  'parsely-updated',
];
