import { XMLParser } from 'fast-xml-parser';

export interface XmlText {
  kind: 'text';
  /** Raw text: entity references are still encoded unless `cdata`. */
  text: string;
  cdata: boolean;
}

export interface XmlElement {
  kind: 'element';
  /** Qualified name as written, for re-serializing inline markup. */
  qname: string;
  /** Lower-cased local name (CDF and some RSS 0.9x feeds use upper case). */
  local: string;
  /** Canonical prefix of the namespace (see NAMESPACES), '' for RSS/no namespace, else the URI. */
  ns: string;
  /** Attributes by lower-cased qualified name, values raw (entities still encoded). */
  attrs: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | XmlText;

export class HostileError extends Error {}

/** Namespace URIs feeds use for the same vocabularies, folded into one prefix each. */
const NAMESPACES: Record<string, string> = {
  'http://www.w3.org/2005/atom': 'atom',
  'http://purl.org/atom/ns#': 'atom03',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://purl.org/rss/1.0/': '',
  'http://my.netscape.com/rdf/simple/0.9/': '',
  'http://backend.userland.com/rss2': '',
  'http://backend.userland.com/rss': '',
  'http://blogs.law.harvard.edu/tech/rss': '',
  'http://www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://example.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://search.yahoo.com/mrss/': 'media',
  'http://search.yahoo.com/mrss': 'media',
  'http://www.w3.org/1999/xhtml': 'xhtml',
  'http://www.w3.org/xml/1998/namespace': 'xml',
};

/** Prefixes whose meaning is conventional enough to honour when a feed forgets to declare them. */
const UNDECLARED: Record<string, string> = {
  dc: 'dc',
  dcterms: 'dcterms',
  content: 'content',
  rdf: 'rdf',
  itunes: 'itunes',
  media: 'media',
  atom: 'atom',
  xhtml: 'xhtml',
  xml: 'xml',
};

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are decoded by us, field by field; the parser must never expand a DTD.
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  allowBooleanAttributes: true,
  cdataPropName: '#cdata',
  ignorePiTags: true,
  ignoreDeclaration: true,
});

const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * Removes the DOCTYPE. Internal general entities are substituted ourselves, with a budget on the
 * total expansion (billion laughs, quadratic blowup); external entities are dropped unread.
 */
export function stripDoctype(text: string, maxExpansion: number): string {
  // Only a DOCTYPE in the prolog counts; "<!DOCTYPE" in a comment or CDATA is content.
  const prolog = /^(?:\s*(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->))*\s*<!DOCTYPE/i.exec(text);
  if (!prolog) return text;
  const start = prolog[0].length - 9;
  let i = start + 9;
  let subset = '';
  let quote: string | undefined;
  let inSubset = false;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') inSubset = true;
    else if (c === ']') inSubset = false;
    else if (c === '>' && !inSubset) break;
    if (inSubset) subset += c;
  }
  const body = text.slice(0, start) + text.slice(i + 1);
  const decls = new Map<string, string>();
  const re = /<!ENTITY\s+(%\s+)?([^\s"']+)\s+(?:(SYSTEM|PUBLIC)\b[^>]*|"([^"]*)"|'([^']*)')\s*>/gi;
  for (let m; (m = re.exec(subset));) {
    if (m[1] || PREDEFINED.has(m[2]!)) continue;
    // External entities resolve to nothing: no file or network is ever read.
    decls.set(m[2]!, m[3] ? '' : (m[4] ?? m[5] ?? ''));
  }
  if (decls.size === 0) return body;
  const lengths = new Map<string, number>();
  const sizeOf = (name: string, depth: number): number => {
    const known = lengths.get(name);
    if (known !== undefined) return known;
    if (depth > 8) throw new HostileError('entity nesting too deep');
    const value = decls.get(name) ?? '';
    let n = value.length;
    for (const ref of value.matchAll(/&([^\s&;#]+);/g)) {
      if (decls.has(ref[1]!)) n += sizeOf(ref[1]!, depth + 1) - ref[0].length;
      if (n > maxExpansion) throw new HostileError('entity expansion over budget');
    }
    lengths.set(name, n);
    return n;
  };
  let total = body.length;
  for (const ref of body.matchAll(/&([^\s&;#<]+);/g)) {
    if (!decls.has(ref[1]!)) continue;
    total += sizeOf(ref[1]!, 0) - ref[0].length;
    if (total > maxExpansion) throw new HostileError('entity expansion over budget');
  }
  const expand = (s: string, depth: number): string =>
    s.replace(/&([^\s&;#<]+);/g, (all, name: string) => (decls.has(name) && depth < 9 ? expand(decls.get(name)!, depth + 1) : all));
  // CDATA sections are literal; entities are substituted only outside them.
  return body
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part, idx) => (idx % 2 ? part : expand(part, 0)))
    .join('');
}

type RawNode = Record<string, unknown>;

export function parseXml(text: string): XmlElement | undefined {
  const raw = parser.parse(text) as RawNode[];
  const root = raw.map((n) => convert(n, new Map())).find((n): n is XmlElement => n?.kind === 'element');
  return root;
}

function convert(raw: RawNode, scope: Map<string, string>): XmlNode | undefined {
  if ('#text' in raw) return { kind: 'text', text: String(raw['#text']), cdata: false };
  if ('#cdata' in raw) {
    const inner = raw['#cdata'] as RawNode[];
    return { kind: 'text', text: inner.map((t) => String(t['#text'] ?? '')).join(''), cdata: true };
  }
  const qname = Object.keys(raw).find((k) => k !== ':@');
  if (!qname) return undefined;
  const rawAttrs = (raw[':@'] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  let inner = scope;
  for (const [k, v] of Object.entries(rawAttrs)) {
    const value = v === true ? '' : String(v);
    attrs[k.toLowerCase()] = value;
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      if (inner === scope) inner = new Map(scope);
      inner.set(k === 'xmlns' ? '' : k.slice(6), value);
    }
  }
  const colon = qname.indexOf(':');
  const prefix = colon >= 0 ? qname.slice(0, colon) : '';
  const local = (colon >= 0 ? qname.slice(colon + 1) : qname).toLowerCase();
  const uri = inner.get(prefix);
  let ns: string;
  if (uri === undefined) ns = prefix ? (UNDECLARED[prefix.toLowerCase()] ?? prefix.toLowerCase()) : '';
  else ns = NAMESPACES[uri.toLowerCase()] ?? NAMESPACES[uri.toLowerCase().replace(/\/?$/, '/')] ?? uri;
  const children: XmlNode[] = [];
  for (const c of (raw[qname] ?? []) as RawNode[]) {
    const n = convert(c, inner);
    if (n) children.push(n);
  }
  return { kind: 'element', qname, local, ns, attrs, children };
}
