/**
 * One pass over linkedom's DOM into a light tree with cached text statistics. All scoring runs
 * on this tree: linkedom's childNodes/textContent walk linked lists on every call, which is
 * where Readability-over-linkedom spends its time.
 */

/** The subset of the DOM we read. linkedom implements it; declared here because lib "dom" is off. */
export interface DomNode {
  nodeType: number;
  firstChild: DomNode | null;
  nextSibling: DomNode | null;
  localName?: string;
  data?: string;
  getAttribute?(name: string): string | null;
}

export interface TNode {
  tag: string;
  el: DomNode;
  parent: TNode | null;
  kids: Array<TNode | string>;
  /** Lower-cased class and id. */
  cls: string;
  hidden: boolean;
  /** Collapsed text length of the whole subtree (skipped tags excluded). */
  len: number;
  /** Text length inside <a href>. */
  linkLen: number;
  links: number;
  /** Inline text directly owned by this block (not crossing child blocks). */
  ownLen: number;
  ownLinkLen: number;
  /** Text of "good" paragraphs vs. link/boilerplate text in the subtree. */
  good: number;
  bad: number;
  paras: number;
  /** Text length inside <blockquote> (quoted statements and embedded posts). */
  quote: number;
  depth: number;
  /** Length of a link that opens this node's inline text (-1: text opens it). */
  lead: number;
}

export const SKIP_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'video',
  'audio',
  'select',
  'option',
  'button',
  'input',
  'textarea',
  'head',
  'link',
  'meta',
  'title',
  'map',
  'dialog',
  'source',
  'track',
  'param',
  'base',
]);

export const BLOCK_TAGS = new Set([
  'html',
  'body',
  'p',
  'div',
  'section',
  'article',
  'main',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'blockquote',
  'pre',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'caption',
  'figure',
  'figcaption',
  'header',
  'footer',
  'nav',
  'aside',
  'address',
  'center',
  'details',
  'summary',
  'form',
  'fieldset',
  'legend',
  'hr',
  'br',
  'menu',
  'hgroup',
  'picture',
]);

export interface Collected {
  root: TNode;
  meta: Map<string, string[]>;
  links: Map<string, string[]>;
  times: string[];
  htmlLang?: string;
  title?: string;
  h1s: TNode[];
  /** All element nodes, every parent before its children (siblings listed together, so not document order). */
  order: TNode[];
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const WS = /\s+/g;

export function collapsedLength(s: string): number {
  // Leading/trailing white space still separates words, so it counts as one character.
  return s.replace(WS, ' ').length;
}

function isHidden(el: DomNode, cls: string): boolean {
  const get = el.getAttribute!.bind(el);
  if (get('hidden') !== null) return true;
  if (get('aria-hidden') === 'true' && !/fallback-image/.test(cls)) return true;
  const style = get('style');
  if (style && /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style)) return true;
  return false;
}

export function buildTree(body: DomNode, docEl: DomNode | null): Collected {
  const meta = new Map<string, string[]>();
  const links = new Map<string, string[]>();
  const times: string[] = [];
  const h1s: TNode[] = [];
  const order: TNode[] = [];
  let title: string | undefined;
  const start = docEl ?? body;
  const root = makeNode(start, null, 0);
  const htmlLang = start.getAttribute?.('lang') ?? start.getAttribute?.('xml:lang') ?? undefined;

  function makeNode(el: DomNode, parent: TNode | null, depth: number): TNode {
    const tag = el.localName ?? '';
    const role = el.getAttribute!('role');
    const itemprop = el.getAttribute!('itemprop');
    // Role and itemprop join class/id as tokens so one matcher sees every semantic hint.
    const cls =
      `${el.getAttribute!('class') ?? ''} ${el.getAttribute!('id') ?? ''}${role ? ` role-${role}` : ''}${itemprop ? ` itemprop-${itemprop}` : ''}`.toLowerCase();
    const n: TNode = {
      tag,
      el,
      parent,
      kids: [],
      cls,
      hidden: isHidden(el, cls),
      len: 0,
      linkLen: 0,
      links: 0,
      ownLen: 0,
      ownLinkLen: 0,
      good: 0,
      bad: 0,
      paras: 0,
      quote: 0,
      depth,
      lead: 0,
    };
    order.push(n);
    return n;
  }

  // Iterative build (a node's children are listed together, before their own subtrees): deep, broken markup must not overflow the stack.
  const stack: Array<[DomNode, TNode]> = [[start, root]];
  while (stack.length) {
    const [el, node] = stack.pop()!;
    const pending: Array<[DomNode, TNode]> = [];
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) {
        const d = c.data ?? '';
        if (d) node.kids.push(d);
      } else if (c.nodeType === 1) {
        const tag = c.localName ?? '';
        if (tag === 'meta') {
          const content = c.getAttribute!('content');
          if (content !== null) {
            for (const attr of ['property', 'name', 'itemprop', 'http-equiv']) {
              const k = c.getAttribute!(attr);
              if (k) for (const key of k.toLowerCase().split(/\s+/)) if (key) push(meta, key, content);
            }
          }
          continue;
        }
        if (tag === 'link') {
          const rel = c.getAttribute!('rel');
          const href = c.getAttribute!('href');
          if (rel && href) for (const r of rel.toLowerCase().split(/\s+/)) push(links, r, href);
          continue;
        }
        if (tag === 'title') {
          if (title === undefined) title = textOf(c);
          continue;
        }
        if (tag === 'head') {
          walkHead(c);
          continue;
        }
        if (SKIP_TAGS.has(tag)) continue;
        if (tag === 'time') {
          const dt = c.getAttribute!('datetime');
          if (dt) times.push(dt);
        }
        const child = makeNode(c, node, node.depth + 1);
        if (tag === 'h1') h1s.push(child);
        node.kids.push(child);
        pending.push([c, child]);
      }
    }
    for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i]!);
  }

  // Head children are read for meta/link/title only; they never become content nodes.
  function walkHead(head: DomNode): void {
    for (let c = head.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      const tag = c.localName;
      if (tag === 'meta') {
        const content = c.getAttribute!('content');
        if (content === null) continue;
        for (const attr of ['property', 'name', 'itemprop', 'http-equiv']) {
          const k = c.getAttribute!(attr);
          if (k) for (const key of k.toLowerCase().split(/\s+/)) if (key) push(meta, key, content);
        }
      } else if (tag === 'link') {
        const rel = c.getAttribute!('rel');
        const href = c.getAttribute!('href');
        if (rel && href) for (const r of rel.toLowerCase().split(/\s+/)) push(links, r, href);
      } else if (tag === 'title') {
        if (title === undefined) title = textOf(c);
      } else if (c.firstChild && !SKIP_TAGS.has(tag ?? '')) walkHead(c);
    }
  }

  return { root, meta, links, times, htmlLang: htmlLang ?? undefined, title, h1s, order };
}

export function textOf(el: DomNode): string {
  let s = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) s += c.data ?? '';
    else if (c.nodeType === 1) s += textOf(c);
  }
  return s.replace(WS, ' ').trim();
}

/** Plain text of a light-tree subtree (no skipping), white space collapsed. */
export function nodeText(n: TNode): string {
  let s = '';
  const walk = (x: TNode): void => {
    for (const k of x.kids) {
      if (typeof k === 'string') s += k;
      else {
        if (BLOCK_TAGS.has(k.tag)) s += ' ';
        walk(k);
      }
    }
  };
  walk(n);
  return s.replace(WS, ' ').trim();
}
