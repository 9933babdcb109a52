import { createHash } from 'node:crypto';
import { decodeHTML } from 'entities';
import { htmlToText, sanitizeHtml } from '@newsline/sanitize';
import { parseFeedDate } from './dates';
import { stripControlChars } from './text';
import type { FeedEntry, ParsedFeed } from './types';
import type { XmlElement, XmlNode } from './xml';

interface Scope {
  base?: string;
  lang?: string;
}

interface Limits {
  maxEntries: number;
}

const keyOf = (el: XmlElement): string => (el.ns ? `${el.ns}:${el.local}` : el.local);

const elements = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => c.kind === 'element');

function children(el: XmlElement, ...keys: string[]): XmlElement[] {
  return elements(el).filter((c) => keys.includes(keyOf(c)));
}

function child(el: XmlElement, ...keys: string[]): XmlElement | undefined {
  for (const k of keys) {
    const found = elements(el).find((c) => keyOf(c) === k);
    if (found) return found;
  }
  return undefined;
}

/** Attribute values and non-CDATA text keep their references; HTML's table is a superset of XML's. */
const decode = (raw: string): string => (raw.includes('&') ? decodeHTML(raw) : raw);

const attr = (el: XmlElement, name: string): string | undefined => {
  const v = el.attrs[name];
  return v === undefined ? undefined : decode(v);
};

function textContent(node: XmlNode): string {
  if (node.kind === 'text') return node.cdata ? node.text : decode(node.text);
  return node.children.map(textContent).join('');
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Re-serializes inline markup (Atom xhtml, naked HTML in RSS) as HTML. */
function innerXml(el: XmlElement): string {
  return el.children.map(outerXml).join('');
}

function outerXml(node: XmlNode): string {
  if (node.kind === 'text') return node.cdata ? escapeHtml(node.text) : node.text;
  // XHTML elements are written without their prefix: the sanitizer and browsers read HTML names.
  const name = node.ns === 'xhtml' ? node.local : node.qname;
  const attrs = Object.entries(node.attrs)
    .filter(([k]) => !(k === 'xmlns' || k.startsWith('xmlns:')))
    .map(([k, v]) => ` ${k}="${v.replace(/"/g, '&quot;')}"`)
    .join('');
  return `<${name}${attrs}>${innerXml(node)}</${name}>`;
}

function resolve(href: string | undefined, base: string | undefined): string | undefined {
  if (href === undefined) return undefined;
  const h = href.trim();
  if (!h && !base) return undefined;
  try {
    return new URL(h, base).href;
  } catch {
    return undefined;
  }
}

const httpOnly = (u: string | undefined): string | undefined => (u && /^https?:\/\//i.test(u) ? u : undefined);

function scopeOf(el: XmlElement, parent: Scope): Scope {
  const base = el.attrs['xml:base'];
  const lang = el.attrs['xml:lang'];
  if (base === undefined && lang === undefined) return parent;
  return {
    base: base === undefined ? parent.base : (resolve(decode(base), parent.base) ?? parent.base),
    lang: lang === undefined ? parent.lang : decode(lang).trim() || undefined,
  };
}

const looksLikeHtml = (s: string): boolean => /<\/?[a-z][^>]*>|&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/i.test(s);

interface TextValue {
  value: string;
  html: boolean;
}

function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64').toString('utf8');
}

/** Reads an Atom/RSS text construct the way its type (and Atom 0.3 mode) says to. */
function textConstruct(el: XmlElement): TextValue {
  const type = (attr(el, 'type') ?? '').trim().toLowerCase();
  const mode = (attr(el, 'mode') ?? '').trim().toLowerCase();
  const isAtom = el.ns === 'atom' || el.ns === 'atom03';
  const hasMarkup = elements(el).length > 0;
  if (mode === 'base64' || (isAtom && type && /\//.test(type) && !/^text\/|[+/]xml$/.test(type))) {
    const decoded = decodeBase64(textContent(el));
    if (decoded !== undefined) return { value: decoded, html: type !== 'text/plain' };
  }
  if (type === 'xhtml' || type === 'application/xhtml+xml' || /[+/]xml$/.test(type) || (hasMarkup && mode !== 'escaped')) {
    const div = elements(el).length === 1 ? elements(el).find((c) => c.local === 'div' && c.ns === 'xhtml') : undefined;
    return { value: div && type.includes('xhtml') ? innerXml(div) : innerXml(el), html: true };
  }
  const text = textContent(el);
  if (type === 'text' || type === 'text/plain') return { value: text, html: false };
  if (type === 'html' || type === 'text/html' || mode === 'escaped') return { value: text, html: true };
  return { value: text, html: looksLikeHtml(text) };
}

const collapse = (s: string): string =>
  stripControlChars(s)
    .replace(/[ \t\r\n\f]+/g, ' ')
    .trim();

function plain(tv: TextValue | undefined): string | undefined {
  if (!tv) return undefined;
  const s = collapse(tv.html ? htmlToText(tv.value) : tv.value);
  return s || undefined;
}

function html(tv: TextValue | undefined, base: string | undefined): string | undefined {
  if (!tv) return undefined;
  const value = stripControlChars(tv.value);
  const s = sanitizeHtml(tv.html ? value : escapeHtml(value).replace(/\n/g, '<br>'), base);
  if (s || !tv.html) return s || undefined;
  // Markup the allow-list drops wholesale (SVG, MathML, stray "<!") still carries readable text.
  const text = collapse(htmlToText(value)) || collapse(value);
  return text ? `<p>${escapeHtml(text)}</p>` : undefined;
}

function plainOf(el: XmlElement | undefined): string | undefined {
  return el ? plain(textConstruct(el)) : undefined;
}

const ATOM = ['atom', 'atom03'];
const atomKeys = (local: string): string[] => ATOM.map((ns) => `${ns}:${local}`);

/** Atom links; some publishers put the URL in the element text instead of @href. */
function linkOf(container: XmlElement, rels: string[]): XmlElement[] {
  return children(container, ...atomKeys('link'), 'link').filter(
    (l) => (l.attrs.href !== undefined || l.ns !== '') && rels.includes((attr(l, 'rel') ?? 'alternate').trim().toLowerCase()),
  );
}

const hrefOf = (l: XmlElement): string | undefined => attr(l, 'href') ?? (textContent(l).trim() || undefined);

const HTML_TYPES = new Set(['', 'text/html', 'application/xhtml+xml']);

/**
 * An entry may list several alternates (the article, its PDF, a translation, an audio version):
 * like feedparser we take the first HTML one (no type means HTML), else the first at all.
 */
function alternateLink(container: XmlElement, scope: Scope): string | undefined {
  let fallback: string | undefined;
  for (const l of linkOf(container, ['alternate'])) {
    const u = httpOnly(resolve(hrefOf(l), scopeOf(l, scope).base));
    if (!u) continue;
    const type = (attr(l, 'type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (HTML_TYPES.has(type)) return u;
    fallback ??= u;
  }
  return fallback;
}

function rssLink(container: XmlElement, scope: Scope): string | undefined {
  for (const l of children(container, 'link')) {
    if (l.attrs.href !== undefined) continue;
    const text = textContent(l).trim();
    const u = text ? httpOnly(resolve(text, scopeOf(l, scope).base)) : undefined;
    if (u) return u;
  }
  return undefined;
}

/** "jo@example.com (Jo Smith)", "Jo Smith <jo@example.com>", or a bare name. */
function personName(s: string): string | undefined {
  const t = collapse(s);
  const paren = /^\S+@\S+\s*\((.+)\)$/.exec(t);
  if (paren) return collapse(paren[1]!);
  const trailing = /^(.+?)\s*\(\s*\S+@\S+\s*\)$/.exec(t);
  if (trailing) return collapse(trailing[1]!);
  const angle = /^(.+?)\s*<[^>]*@[^>]*>$/.exec(t);
  if (angle) return collapse(angle[1]!.replace(/^"|"$/g, ''));
  return t || undefined;
}

function authorsOf(container: XmlElement): string[] {
  const out: string[] = [];
  for (const a of children(container, ...atomKeys('author'))) {
    const name = plainOf(child(a, ...atomKeys('name'), 'name')) ?? plainOf(child(a, ...atomKeys('email'), 'email'));
    if (name) out.push(name);
  }
  for (const a of children(container, 'author', 'dc:creator', 'dc:author', 'itunes:author', 'dcterms:creator')) {
    const inner = child(a, 'name');
    const name = inner ? plainOf(inner) : personName(plainOf(a) ?? '');
    if (name) out.push(name);
  }
  const seen = new Set<string>();
  return out.filter((n) => !seen.has(n.toLowerCase()) && seen.add(n.toLowerCase()));
}

/** Later duplicates win, as in feedparser (an Atom 0.3 <published> after <issued>). */
function dateOf(container: XmlElement, keys: string[], attrs: string[] = []): Date | undefined {
  let found: Date | undefined;
  for (const c of elements(container)) {
    if (!keys.includes(keyOf(c))) continue;
    const d = parseFeedDate(textContent(c));
    if (d) found = d;
  }
  for (const a of attrs) {
    const v = attr(container, a);
    const d = v ? parseFeedDate(v) : undefined;
    if (!found && d) found = d;
  }
  return found;
}

const hashId = (...parts: (string | undefined)[]): string =>
  'sha1:' +
  createHash('sha1')
    .update(parts.map((p) => p ?? '').join('\u0000'))
    .digest('hex');

function toInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number.parseInt(s.trim(), 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function entryOf(item: XmlElement, parentScope: Scope, feedLanguage: string | undefined): FeedEntry {
  const scope = scopeOf(item, parentScope);
  const titleEl =
    child(item, 'title', ...atomKeys('title'), 'dc:title', 'media:title') ?? child(child(item, 'media:group') ?? item, 'media:title');
  const guidEl = child(item, 'guid');
  const guid = guidEl ? collapse(textContent(guidEl)) || undefined : undefined;
  const atomId = plainOf(child(item, ...atomKeys('id')));
  const guidIsLink = guidEl && (attr(guidEl, 'ispermalink') ?? 'true').trim().toLowerCase() !== 'false';
  const link =
    rssLink(item, scope) ??
    alternateLink(item, scope) ??
    (guidIsLink ? httpOnly(resolve(guid, scope.base)) : undefined) ??
    httpOnly(resolve(attr(item, 'href'), scope.base));

  // RSS has no <summary>; feedparser files whichever of description/summary comes second as content.
  const descriptions = children(item, 'description', 'summary', ...atomKeys('summary'), 'dc:description');
  const summaryEl =
    descriptions[0] ??
    child(item, 'itunes:summary', 'abstract', 'media:description') ??
    child(child(item, 'media:group') ?? item, 'media:description');
  const contentEl =
    children(item, 'content:encoded', ...atomKeys('content'), 'xhtml:body', 'body', 'fullitem').find((c) => c.attrs.src === undefined) ??
    (descriptions[1] && keyOf(descriptions[1]) !== keyOf(descriptions[0]!) ? descriptions[1] : undefined);
  const summary = summaryEl ? html(textConstruct(summaryEl), scopeOf(summaryEl, scope).base) : undefined;
  const content = contentEl ? html(textConstruct(contentEl), scopeOf(contentEl, scope).base) : undefined;

  const published = dateOf(item, [
    'pubdate',
    'atom:published',
    'atom03:issued',
    'atom03:published',
    'dcterms:issued',
    'dcterms:created',
    'atom03:created',
  ]);
  const updated = dateOf(item, ['atom:updated', 'atom03:modified', 'atom03:updated', 'dc:date', 'dcterms:modified'], ['lastmod']);
  const title = plainOf(titleEl);

  const categories: string[] = [];
  for (const c of children(item, 'category', ...atomKeys('category'), 'dc:subject')) {
    const v = c.ns.startsWith('atom') ? (attr(c, 'label') ?? attr(c, 'term')) : textContent(c);
    const t = v ? collapse(v) : '';
    if (t && !categories.includes(t)) categories.push(t);
  }

  const enclosures: FeedEntry['enclosures'] = [];
  const addEnclosure = (url: string | undefined, type: string | undefined, length: string | undefined) => {
    const u = httpOnly(resolve(url, scope.base));
    if (!u || enclosures.some((e) => e.url === u)) return;
    enclosures.push({ url: u, ...(type ? { type: type.trim() } : {}), ...(toInt(length) !== undefined ? { length: toInt(length) } : {}) });
  };
  for (const e of children(item, 'enclosure')) addEnclosure(attr(e, 'url'), attr(e, 'type'), attr(e, 'length'));
  for (const l of linkOf(item, ['enclosure'])) addEnclosure(hrefOf(l), attr(l, 'type'), attr(l, 'length'));

  const mediaScopes = [item, ...children(item, 'media:group')];
  let image: string | undefined;
  for (const m of mediaScopes) {
    image ??= httpOnly(resolve(attr(child(m, 'media:thumbnail') ?? m, 'url'), scope.base));
    for (const mc of children(m, 'media:content')) {
      const type = attr(mc, 'type');
      if (!image && (attr(mc, 'medium') === 'image' || type?.startsWith('image/'))) image = httpOnly(resolve(attr(mc, 'url'), scope.base));
    }
  }
  image ??= httpOnly(resolve(attr(child(item, 'itunes:image') ?? item, 'href'), scope.base));
  image ??= enclosures.find((e) => e.type?.startsWith('image/'))?.url;

  const authors = authorsOf(item);
  const id = guid ?? atomId ?? link ?? attr(item, 'rdf:about')?.trim() ?? hashId(title, (published ?? updated)?.toISOString(), summary);
  const language = scope.lang ?? feedLanguage;
  return {
    id,
    ...(guid !== undefined || atomId !== undefined ? { guid: guid ?? atomId } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(link !== undefined ? { link } : {}),
    authors,
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(content !== undefined ? { content } : {}),
    categories,
    ...(image ? { image } : {}),
    enclosures,
    ...(language ? { language } : {}),
  };
}

function renameNs(el: XmlElement, from: string, to: string): void {
  if (el.ns === from) el.ns = to;
  for (const c of elements(el)) renameNs(c, from, to);
}

/** Maps an RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or CDF document tree to our model. */
export function normalizeXml(root: XmlElement, base: string | undefined, charset: string, limits: Limits): ParsedFeed | undefined {
  const rootScope = scopeOf(root, { base });
  let format: ParsedFeed['format'];
  let container: XmlElement;
  let items: XmlElement[];
  if (root.local === 'feed') {
    format = 'atom';
    // Atom drafts and broken feeds use other (or no) namespace URIs for the same vocabulary.
    if (root.ns !== 'atom' && root.ns !== 'atom03') renameNs(root, root.ns, attr(root, 'version') === '0.3' ? 'atom03' : 'atom');
    container = root;
    items = children(root, ...atomKeys('entry'), 'entry');
  } else if (root.local === 'rdf' && (root.ns === 'rdf' || root.ns === '')) {
    format = 'rdf';
    container = child(root, 'channel') ?? root;
    items = [...children(root, 'item'), ...children(container, 'item')];
  } else if (root.local === 'rss' || root.local === 'channel') {
    format = 'rss';
    container = root.local === 'rss' ? (child(root, 'channel') ?? root) : root;
    items = [...children(container, 'item'), ...(container === root ? [] : children(root, 'item'))];
  } else {
    return undefined;
  }
  const scope = container === root ? rootScope : scopeOf(container, rootScope);
  const titleEl = child(container, 'title', ...atomKeys('title'), 'dc:title');
  const title = plainOf(titleEl);
  const link = rssLink(container, scope) ?? alternateLink(container, scope) ?? httpOnly(resolve(attr(container, 'href'), scope.base));
  const description = plainOf(
    child(container, 'description', ...atomKeys('subtitle'), 'atom03:tagline', 'dc:description', 'itunes:summary', 'abstract'),
  );
  const languageEl = child(container, 'language', 'dc:language');
  const language = (languageEl ? collapse(textContent(languageEl)) : undefined) || scope.lang || undefined;
  const ttl = toInt(textContent(child(container, 'ttl') ?? { kind: 'text', text: '', cdata: false }));
  const imageEl = child(container, 'image');
  const image =
    httpOnly(
      resolve(imageEl ? textContent(child(imageEl, 'url') ?? imageEl).trim() || attr(imageEl, 'rdf:resource') : undefined, scope.base),
    ) ??
    httpOnly(resolve(attr(child(container, 'itunes:image') ?? container, 'href'), scope.base)) ??
    httpOnly(resolve(plainOf(child(container, ...atomKeys('logo'), ...atomKeys('icon'))), scope.base));
  const entries = items.slice(0, limits.maxEntries).map((i) => entryOf(i, scope, language));
  const linksOf = (rel: string): string[] =>
    linkOf(container, [rel]).flatMap((l) => httpOnly(resolve(hrefOf(l), scopeOf(l, scope).base)) ?? []);
  const hubs = [...new Set(linksOf('hub'))];
  const self = linksOf('self')[0];
  return {
    format,
    ...(title !== undefined ? { title } : {}),
    ...(link !== undefined ? { link } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(language ? { language } : {}),
    ...(ttl !== undefined ? { ttlMinutes: ttl } : {}),
    ...(image ? { image } : {}),
    entries,
    charset,
    hubs,
    ...(self ? { self } : {}),
  };
}
