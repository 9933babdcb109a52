/**
 * Main-content detection on the light tree: one bottom-up pass scores every node by the text
 * of its good paragraphs minus a share of its link/boilerplate text, the best node becomes the
 * root, and a top-down pass emits its blocks while dropping boilerplate subtrees.
 */
import { nodeText, type TNode } from './tree';

const INLINE_TAGS = new Set([
  'a',
  'span',
  'b',
  'strong',
  'i',
  'em',
  'u',
  's',
  'small',
  'mark',
  'sub',
  'sup',
  'font',
  'abbr',
  'cite',
  'code',
  'q',
  'time',
  'label',
  'tt',
  'kbd',
  'var',
  'del',
  'ins',
  'bdi',
  'bdo',
  'wbr',
  'img',
  'nobr',
  'big',
  'dfn',
  'data',
  'strike',
  'samp',
  'br',
]);

export const isInline = (tag: string): boolean => INLINE_TAGS.has(tag);

/** Semantic containers that hold page chrome, not article text. */
const BOILER_TAGS = new Set(['nav', 'aside', 'footer', 'header', 'menu', 'form', 'fieldset', 'address', 'dialog']);

// Whole class/id/role tokens that mark chrome. Matched per token so "ad" does not hit "header".
const BOILER_TOKENS = new Set([
  'ad',
  'ads',
  'adv',
  'advert',
  'advertisement',
  'advertising',
  'adslot',
  'dfp',
  'banner',
  'popup',
  'modal',
  'overlay',
  'widget',
  'nav',
  'navbar',
  'navigation',
  'menu',
  'footer',
  'masthead',
  'breadcrumb',
  'breadcrumbs',
  'toolbar',
  'tools',
  'utility',
  'tags',
  'tag',
  'tagged',
  'keywords',
  'topics',
  'byline',
  'author',
  'authors',
  'bio',
  'avatar',
  'pager',
  'pagination',
  'login',
  'skip',
  'rating',
  'follow',
  'rss',
  'disclaimer',
  'copyright',
  'meta',
  'credit',
  'credits',
  'timestamp',
  'dateline',
  'date',
  'more',
  'also',
  'next',
  'prev',
  'previous',
  'complementary',
  'contentinfo',
  'alert',
  'notice',
  'teaser',
  'teasers',
  'promo',
  'print',
  'email',
  'comments',
  'comment',
  'reply',
  'replies',
  'respond',
  'related',
  'share',
  'sharing',
  'shares',
  'social',
  'sidebar',
  'subscribe',
  'subscription',
  'newsletter',
  'signup',
  'cookie',
  'cookies',
  'consent',
  'gdpr',
  'sponsored',
  'sponsor',
  'recommended',
  'recommendations',
  'trending',
  'popular',
  'outbrain',
  'taboola',
  'zergnet',
  'community',
  'hidden',
  'hide',
  'sr',
  'screen',
  'visually',
  'offscreen',
  'noprint',
  'caption',
  'slideshow',
  'carousel',
  'gallery',
  'video',
  'player',
  'embed',
  'toc',
  'jump',
  'links',
  'share-bar',
  'bottom',
  'foot',
  'header',
  'head',
  'top',
  'category',
  'categories',
  'sections',
]);
// Concatenated/camelCase forms ("sharebar", "relatedArticles", "newsletterSignup"). Not "paywall":
// paragraphs marked as paywalled are article text that the page holds. Not "shared"/"shareholder":
// words in heading-slug ids, not widgets.
const BOILER_SUBSTR =
  /comment(?!ary)|disqus|testimonials|sharing|share(?:bar|tools|buttons?|icons?|links?)|social|related|newsletter|subscri|cookie|consent|gdpr|sponsor|advert|outbrain|taboola|breadcrumb|sidebar|promo|recommend|trending|popular|signup|mostread|most-read|readmore|read-more|morestories|more-stories|author-?info|author-?bio|hidden-print|sr-only|visually-?hidden|screen-?reader|share(?![dh])/;
// Tokens that mark the article body itself; they veto the boilerplate match on the same node.
const CONTENT_HINT =
  /(?:^|[^a-z])(?:article-?body|articlebody|story-?body|entry-?content|post-?(?:body|content|entry)|article-?content|article-?text|story-?content|main-?content|body-?text|itemprop-articlebody|content-?body|rich-?text|text-?body)(?:[^a-z]|$)/;

// Layout utilities name a side, not a page region: "margin-bottom-xl", "padding_top_1", "align-top", "top-0".
// "Hidden" that qualifies something else: a hidden label ("field--label-hidden"), or hiding only on small screens ("hidden-xs", "is-hidden-mobile").
const NOT_HIDDEN = /(?:label|title|heading|legend)[-_]*(?:hidden|hide)|(?:hidden|hide)[-_]+(?:xs|sm|mobile|phone|tablet|small)(?![a-z])/g;
const SPACING =
  /(?:margin|padding|border|align|valign|spacing|space|offset|inset|vertical|rounded|radius|shadow)[-_]*(?:top|bottom)|(?:^|[^a-z])(?:top|bottom)-(?:\d|px|full|auto|\[)/g;

const tokenCache = new Map<string, boolean>();

// A class or id that is a slug of a sentence ("zendaya-promoted-dune-part-two-in-london") names
// one item by its words, not a component; its words ("promoted", "shared") are not chrome marks.
const SLUG_WORD = /^(?:a|an|the|of|in|on|at|to|for|and|with|from|is|are|by|how|what|why|her|his)$/;
const slug = (t: string): boolean => {
  const w = t.split(/[-_]+/);
  return w.length >= 5 && w.some((x) => SLUG_WORD.test(x));
};

export function boilerClass(raw: string): boolean {
  if (raw.length < 2) return false;
  const hit = tokenCache.get(raw);
  if (hit !== undefined) return hit;
  let r = false;
  const cls = /[-_]\w+[-_]\w+[-_]\w+[-_]/.test(raw)
    ? raw
        .split(/\s+/)
        .filter((t) => !slug(t))
        .join(' ')
    : raw;
  if (!CONTENT_HINT.test(cls)) {
    for (const t of cls
      .replace(SPACING, ' ')
      .replace(NOT_HIDDEN, ' ')
      .split(/[^a-z0-9]+/)) {
      if (t && BOILER_TOKENS.has(t)) {
        r = true;
        break;
      }
    }
    if (!r) r = BOILER_SUBSTR.test(cls);
  }
  if (tokenCache.size > 5000) tokenCache.clear();
  tokenCache.set(raw, r);
  return r;
}

export const contentHint = (cls: string): boolean => CONTENT_HINT.test(cls);

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * Weight of a text run: its collapsed length, each CJK character counted three times, since
 * one carries about as much text as three alphabetic letters and the thresholds below (what
 * makes a paragraph) would otherwise drop most Chinese, Japanese and Korean prose.
 */
export function textWeight(s: string): number {
  const len = s.replace(/\s+/g, ' ').trim().length;
  if (len === 0) return 0;
  const cjk = s.match(CJK);
  return cjk ? len + 2 * cjk.length : len;
}

/** Minimum length of a paragraph that counts as article prose when choosing the root. */
const GOOD_MIN = 80;
const LINKY = 0.5;

export interface Scored {
  root: TNode;
  boiler: Set<TNode>;
  /** Sibling subtrees holding more of the same article (bodies split across containers), in document order with `root`. */
  parts: TNode[];
  /** 0: full boilerplate judgement; 1: tags only; 2: none (see chooseRoot). */
  level: number;
}

/** Bottom-up statistics over `order` (every parent before its children, so reversed it visits children first). */
export function computeStats(order: TNode[]): void {
  // Blocks nested inside <a> (card layouts) are link text too.
  const inLink = new Set<TNode>();
  for (const n of order) if (n.tag === 'a' || (n.parent && inLink.has(n.parent))) inLink.add(n);
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    let len = 0;
    let own = 0;
    let linkLen = 0;
    let ownLink = 0;
    let links = 0;
    let good = 0;
    let bad = 0;
    let paras = 0;
    let quote = 0;
    let lead = 0;
    for (const k of n.kids) {
      if (typeof k === 'string') {
        const l = textWeight(k);
        if (l > 0 && lead === 0) lead = -1;
        len += l;
        own += l;
      } else {
        len += k.len;
        linkLen += k.linkLen;
        links += k.links;
        good += k.good;
        bad += k.bad;
        paras += k.paras;
        quote += k.quote;
        if (INLINE_TAGS.has(k.tag)) {
          if (lead === 0 && k.len > 0) lead = k.tag === 'a' ? k.len : k.lead;
          own += k.ownLen;
          ownLink += k.ownLinkLen;
        }
      }
    }
    if (n.tag === 'a') {
      linkLen = len;
      links += 1;
    }
    if (inLink.has(n)) ownLink = own;
    n.lead = lead;
    n.len = len;
    n.linkLen = linkLen;
    n.links = links;
    n.ownLen = own;
    n.ownLinkLen = ownLink;
    if (!INLINE_TAGS.has(n.tag) && own > 0) {
      if (ownLink / own > LINKY || teaser(lead, own)) bad += own;
      else if (own >= GOOD_MIN && !/^h\d$/.test(n.tag)) {
        good += own;
        paras += 1;
      }
    }
    n.good = good;
    n.bad = bad;
    n.paras = paras;
    n.quote = n.tag === 'blockquote' ? len : quote;
  }
}

/** A block opened by a headline-sized link: a teaser for another page, not article prose. */
export function teaser(lead: number, own: number): boolean {
  return lead >= 20 && lead >= 0.15 * own;
}

// Page-level containers carry page-wide classes ("has-sidebar", "cookie-bar-visible").
const NEVER_BOILER = new Set(['html', 'body', 'main', 'article']);
// Rows and cells share their table's fate: their classes describe data ("player-12", "date"), not chrome.
const TABLE_PARTS = new Set(['thead', 'tbody', 'tfoot', 'tr', 'td', 'th']);

const HEADING = /^h[1-6]$/;
const TESTIMONIAL = /testimonials/;

export function isBoiler(n: TNode): boolean {
  if (NEVER_BOILER.has(n.tag) || TABLE_PARTS.has(n.tag)) return false;
  if (BOILER_TAGS.has(n.tag)) return true;
  // A heading's class or id is often a slug of its own words ("nav_the_first_steps__1"); chrome
  // headings ("Related stories", "Comments") are caught by their text instead.
  if (HEADING.test(n.tag)) return false;
  // An "embed"/"widget" wrapper around a quotation (embedded post, pull quote) is article content;
  // a "testimonials" collection is quotations too, but of customers praising the site.
  return boilerClass(n.cls) && (TESTIMONIAL.test(n.cls) || !(n.quote > 0 && n.quote >= 0.7 * n.len && n.linkLen < 0.5 * n.len));
}

/**
 * Picks the root. Every good paragraph credits its ancestors with decaying weight (parent 1,
 * grandparent 1/2, then 1/3 …) so the tight container of the prose beats page-level wrappers
 * that also hold teaser lists; link text and prose inside boilerplate subtrees count as bad at
 * full weight. Then siblings carrying comparable prose are merged (articles split by ads).
 */
export function chooseRoot(order: TNode[], alpha = 0.5): Scored {
  // Boilerplate levels, strictest first: hidden nodes + boilerplate tags + boilerplate classes;
  // then without hidden/class judgements (an article whose every block carries a class that reads
  // like chrome, or that is server-streamed into a hidden segment); then nothing. A level is used
  // only when some prose survives it: removing all of a page's prose means the judgement was wrong.
  let last: Scored | undefined;
  for (let level = 0; level < 3; level++) {
    const r = chooseRootAt(order, alpha, level);
    if (r.credited) return { root: r.root, boiler: r.boiler, parts: r.parts, level };
    last ??= { root: r.root, boiler: r.boiler, parts: r.parts, level: 0 };
  }
  return last!;
}

const SURVIVE = 0.02;
// Consent and cookie layers hold long legal prose that can outweigh a short article; only a
// page that is almost all such prose keeps it.
const CONSENT = /cookie|consent|gdpr|privacy/;

function chooseRootAt(order: TNode[], alpha: number, level: number): Omit<Scored, 'level'> & { credited: boolean } {
  const docGood = order[0]?.good ?? 0;
  const boiler = new Set<TNode>();
  const inBoiler = new Set<TNode>();
  for (let i = 1; i < order.length; i++) {
    const n = order[i]!;
    const drop =
      level === 0
        ? n.hidden || (isBoiler(n) && n.good < (CONSENT.test(n.cls) ? 0.9 : 0.5) * docGood)
        : level === 1
          ? BOILER_TAGS.has(n.tag) && n.good < 0.5 * docGood
          : false;
    if (drop) boiler.add(n);
    if (boiler.has(n) || (n.parent && inBoiler.has(n.parent))) inBoiler.add(n);
  }
  const credit = new Map<TNode, number>();
  const penalty = new Map<TNode, number>();
  const add = (m: Map<TNode, number>, n: TNode, v: number): void => {
    m.set(n, (m.get(n) ?? 0) + v);
  };
  for (const n of order) {
    const own = n.ownLen;
    if (own === 0 || INLINE_TAGS.has(n.tag)) continue;
    const linky = n.ownLinkLen / own > LINKY || teaser(n.lead, own);
    const good = !linky && own >= GOOD_MIN && !/^h\d$/.test(n.tag);
    if (!linky && !good) continue;
    if (good && !inBoiler.has(n)) {
      let d = 1;
      for (let a: TNode | null = n; a; a = a.parent, d++) add(credit, a, own / Math.max(1, d - 1));
    } else {
      for (let a: TNode | null = n; a; a = a.parent) add(penalty, a, own);
    }
  }
  let best: TNode | undefined;
  let bestScore = -Infinity;
  for (const n of order) {
    if (INLINE_TAGS.has(n.tag) || inBoiler.has(n)) continue;
    const score = (credit.get(n) ?? 0) - alpha * (penalty.get(n) ?? 0);
    if (score > bestScore && (credit.get(n) ?? 0) > 0) {
      bestScore = score;
      best = n;
    }
  }
  let root = best ?? order.find((n) => n.tag === 'body') ?? order[0]!;
  // Climb while ancestors add more clean prose than other text (articles split by ads/columns).
  const cleanGood = (n: TNode): number => (inBoiler.has(n) ? 0 : (credit.get(n) ?? 0) > 0 ? goodOutsideBoiler(n, inBoiler) : 0);
  let g0 = cleanGood(root);
  let j0 = root.len - g0;
  // An ancestor past one that failed may still qualify (the article's other half sits beside a
  // wrapper full of ads), but only with a clear majority of prose.
  let failed = false;
  for (let a = root.parent, steps = 0; a && steps < 6; a = a.parent, steps++) {
    const g = cleanGood(a);
    const j = a.len - g;
    const dg = g - g0;
    const dj = j - j0;
    if (dg === 0 && dj <= 40) continue;
    if (dg > 0 && dg >= (failed ? 2 : 1) * dj) {
      root = a;
      g0 = g;
      j0 = j;
      failed = false;
    } else failed = true;
  }
  // Enough prose must survive this level (a few stray paragraphs beside a page of "boilerplate" do not count).
  const kept = best === undefined ? 0 : goodOutsideBoiler(order[0]!, inBoiler);
  const parts = best === undefined ? [root] : splitParts(root, inBoiler);
  return { root, boiler, parts, credited: best !== undefined && kept >= SURVIVE * docGood };
}

// Ids and classes that differ only by a number ("chunk-2", "part3") name repeats of one component.
const signature = (n: TNode): string => `${n.tag}.${n.cls.replace(/\d+/g, '#').trim()}`;
const SPLIT_LEVELS = 3;
// CMS modules nest each chunk in several wrappers (con > modcon > mod > box); up to this many
// levels a repeat still joins, but only a classed one that is itself clean prose.
const SPLIT_LEVELS_DEEP = 5;

/**
 * Bodies split across containers (chunks between ad slots, one section per subheading): siblings
 * of the root, or of one of its nearest ancestors, that repeat that node's tag and classes and
 * carry clean prose are more of the same article. The climb above cannot take them when the
 * common parent also holds a rail of teasers or ads.
 */
function splitParts(root: TNode, inBoiler: Set<TNode>): TNode[] {
  const parts = new Set([root]);
  let top = root;
  const rootGood = goodOutsideBoiler(root, inBoiler);
  for (let a: TNode = root, steps = 0; a.parent && steps < SPLIT_LEVELS_DEEP; a = a.parent, steps++) {
    if (a.tag === 'body' || a.tag === 'html') break;
    const sig = signature(a);
    const deep = steps >= SPLIT_LEVELS;
    if (deep && a.cls.trim() === '') continue;
    top = a.parent;
    for (const k of a.parent.kids) {
      if (typeof k === 'string' || k === a || inBoiler.has(k) || k.len === 0) continue;
      if (k.linkLen > 0.5 * k.len) continue;
      const same = signature(k) === sig;
      // Cheap tests first: the prose count walks the sibling's whole subtree.
      if ((deep && !same) || k.good === 0 || (!same && (k.good < 2 * GOOD_MIN || k.linkLen > 0.2 * k.len))) continue;
      const g = goodOutsideBoiler(k, inBoiler);
      const clean = g >= 0.7 * k.len && k.linkLen <= 0.2 * k.len;
      if (same ? (deep ? clean : g > 0) : g >= 2 * GOOD_MIN && g >= 0.1 * rootGood && clean) parts.add(k);
    }
  }
  if (parts.size === 1) return [root];
  // Document order (tree.order lists siblings before their subtrees, so it is not pre-order).
  const out: TNode[] = [];
  const stack: TNode[] = [top];
  while (stack.length) {
    const x = stack.pop()!;
    if (parts.has(x)) {
      out.push(x);
      continue;
    }
    for (let i = x.kids.length - 1; i >= 0; i--) {
      const k = x.kids[i]!;
      if (typeof k !== 'string') stack.push(k);
    }
  }
  return out;
}

// A one-line deck under the headline is a summary that sources disagree on; a standfirst of several lines is article text.
const LEDE_MIN = 180;
const LEDE_NAMED_MIN = 160;
// Captions of lead images often sit in plain divs beside the picture, not in <figcaption>.
const MEDIA_HINT = /image|img|photo|picture|media|caption|credit|gallery|video/;
// Blocks named as the article's lede ("teaser-text", "entry__subtitle", "article-excerpt", "chapo").
const LEDE_HINT =
  /(?:^|[^a-z]|article|post|entry|story|news)(?:lead|lede|intro|teaser|subtitle|standfirst|excerpt|summary|description|chapo|deck|abstract|sapo|subheadline|subline)(?:text|paragraph)?(?:[^a-z]|$)/;
// Words that make a headline block read as chrome by class ("article-header", "post-top", "padding-bottom").
const HEADER_WORDS = /header|head|hero|top|bottom|lead|lede|intro|teaser|subtitle|standfirst|excerpt|summary|description/g;
// Two sentences or more: a one-sentence deck is a summary that sources disagree on.
const TWO_SENTENCES = /[.!?…]["'»“”’)]*\s+["'„«“‘(]?\p{Lu}|[。！？](?=\S)/u;
const HEADLINE = /(?:^|\s)itemprop-headline(?:\s|$)/;
const LEDE_SKIP = new Set(['nav', 'aside', 'footer', 'form', 'figure', 'figcaption', 'caption', 'menu', 'li', 'td', 'th', 'blockquote']);

/**
 * The standfirst between the headline and the body ("subtitle", "intro", "lead" blocks): prose after the last <h1> before the first part and outside it. Taken
 * only when it is short (at most two blocks) and clean, so that a page whose h1 sits far above
 * the article (a site banner) does not gain a column of other text.
 */
export function findLede(top: TNode, parts: TNode[], h1s: TNode[], boiler: Set<TNode>, summary?: string): TNode[] {
  if (parts.length === 0) return [];
  const first = parts[0]!;
  const h1set = new Set(h1s);
  const summaryKey = summary ? normKey(summary) : '';
  const found: TNode[] = [];
  let afterH1 = false;
  let blocked = false;
  let done = false;
  // Iterative pre-order walk up to the first part (deep markup must not overflow the stack);
  // candidates reset at every h1. Frames: node, inside chrome, inside headline chrome (a
  // <header> or a class that is chrome only by header words), inside a block named as a lede.
  const stack: Array<[TNode, boolean, boolean, boolean]> = [[top, false, false, false]];
  while (stack.length) {
    const [n, chromeUp, headUp, hintUp] = stack.pop()!;
    if (n === first) {
      done = true;
      break;
    }
    // A heading marked as the headline (itemprop=headline) stands for the <h1> on pages that set the title lower.
    if (h1set.has(n) || (HEADING.test(n.tag) && HEADLINE.test(n.cls))) {
      afterH1 = true;
      blocked = false;
      found.length = 0;
      continue;
    }
    const head =
      boiler.has(n) && !n.hidden && (n.tag === 'header' || (!BOILER_TAGS.has(n.tag) && !boilerClass(n.cls.replace(HEADER_WORDS, ' '))));
    const chrome = chromeUp || n.hidden || (boiler.has(n) && !head) || LEDE_SKIP.has(n.tag) || MEDIA_HINT.test(n.cls);
    const inHead = headUp || head;
    const hint = hintUp || LEDE_HINT.test(n.cls);
    if (afterH1 && !chrome && !isInline(n.tag)) {
      const heading = /^h\d$/.test(n.tag);
      if (!inHead && !heading && n.ownLen >= LEDE_MIN) {
        if (n.ownLinkLen > 0.2 * n.ownLen || teaser(n.lead, n.ownLen)) blocked = true;
        // The page's meta description shown as a deck is a summary of the article, not its text.
        else if (!summaryKey || normKey(nodeText(n)) !== summaryKey || (hint && TWO_SENTENCES.test(nodeText(n)))) found.push(n);
      } else if (
        hint &&
        n.ownLen >= LEDE_NAMED_MIN &&
        n.ownLinkLen <= 0.2 * n.ownLen &&
        !teaser(n.lead, n.ownLen) &&
        TWO_SENTENCES.test(nodeText(n))
      ) {
        // A standfirst named as such may sit in the headline block, be set as a heading, or repeat the meta description.
        found.push(n);
      }
    }
    for (let i = n.kids.length - 1; i >= 0; i--) {
      const k = n.kids[i]!;
      if (typeof k !== 'string') stack.push([k, chrome, inHead, hint]);
    }
  }
  if (!done || !afterH1 || blocked || found.length === 0 || found.length > 2) return [];
  return found;
}

const normKey = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

function goodOutsideBoiler(n: TNode, inBoiler: Set<TNode>): number {
  let g = 0;
  const stack: TNode[] = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (inBoiler.has(x) || x.good === 0) continue;
    const own = x.ownLen;
    if (own >= GOOD_MIN && !INLINE_TAGS.has(x.tag) && x.ownLinkLen / own <= LINKY && !teaser(x.lead, own) && !/^h\d$/.test(x.tag)) g += own;
    for (const k of x.kids) if (typeof k !== 'string') stack.push(k);
  }
  return g;
}
