/**
 * Emits the chosen root as paragraphs of text plus matching HTML, skipping boilerplate
 * subtrees, link-dense blocks and short boilerplate phrases.
 */
import { isBoiler, isInline } from './content';
import { nodeText, type TNode } from './tree';

const TEXT_CONTAINERS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'li',
  'dt',
  'dd',
  'td',
  'th',
  'figcaption',
  'caption',
  'pre',
  'blockquote',
]);
const KEEP_BLOCK = new Set([...TEXT_CONTAINERS, 'ul', 'ol', 'dl', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'figure', 'hr']);
const KEEP_INLINE = new Set([
  'a',
  'em',
  'strong',
  'b',
  'i',
  'u',
  's',
  'sub',
  'sup',
  'small',
  'mark',
  'q',
  'cite',
  'abbr',
  'time',
  'code',
  'br',
  'img',
]);

// Calls to join (a membership, a channel, the mailing list): chrome as a short line and at prose length.
const JOIN_CALL = '\\b(?:hazte (?:miembro|socio)|suscríbete|únete|abonnez-vous|nichts mehr (?:verpassen|versäumen))';
/**
 * Short blocks that are chrome in any language: calls to share/subscribe/comment, ad labels,
 * cookie notices, "read more" teasers, aggregator disclaimers.
 */
const BOILER_PHRASE = new RegExp(
  [
    '^(?:advertisement|advertisements|advert|adverts|anzeige|werbung|publicité|publicidad|pubblicità|reklama|реклама|sponsored|ad|comments?|kommentare|commentaires|comentarios|commenti)$',
    // Ad labels set off by punctuation ("- Anzeige -", "*Werbung.", "Anzeige, enthält Affiliate-Links").
    '^[\\s*\\-–—|(\\[]*(?:anzeige|werbung|advertisement|publicidad|publicité)(?:[\\s*\\-–—|)\\].:]*$|\\s*[,:|\\-–—])',
    // Empty comment sections, login prompts and author-box headings.
    '^(?:kommentieren|keine kommentare|no comments(?: yet)?|aucun commentaire|sin comentarios|über den autor|über die autorin|about the author|à propos de l.auteur|sobre el autor)\\b',
    '\\b(?:you must be logged in|log in to (?:comment|reply)|sie müssen (?:sich )?(?:einloggen|anmelden|angemeldet|eingeloggt))',
    // Related-content calls ("Das könnte Sie auch interessieren", "Ähnliche Beiträge").
    '(?:ähnliche (?:beiträge|artikel)|könnte (?:dich|sie) (?:auch )?interessieren|weitere beiträge|if you (?:enjoyed|liked) (?:this|reading))',
    '(?:síguenos|siguenos|folge uns|suivez-nous)\\b|\\bfor (?:ios|iphone) and android\\b',
    // Unrendered CMS shortcodes ("[button link=…]Send us…[/button]").
    '^\\[[a-z_-]+\\b[^\\]]*\\][\\s\\S]*\\[/[a-z_-]+\\]$',
    '\\b(?:tell us what you think|what do you think\\?|have your say|join the (?:discussion|conversation))',
    '\\b(?:read more|read the (?:full |entire )?(?:review|story|article)\\b|read also|see also|related(?: articles| stories| posts)?|more from|recommended|you may also like|you might also like|trending now|most popular|most read)\\b',
    '\\b(?:share (?:this|on|via)|tweet this|follow us|like us on|sign up|subscribe|newsletter|get our|join our|download (?:our|the) app)\\b',
    // "©" opens most credit lines, so it is matched without a word boundary before it.
    '\\b(?:cookies?|privacy policy|terms of (?:use|service)|all rights reserved)|©',
    '\\b(?:leave a (?:comment|reply)|post a comment|comments?\\s*\\(\\d+\\)|\\d+ comments?|show comments|add (?:a )?comment|be the first to comment)\\b',
    '\\b(?:denial of responsibility|automatic aggregator|disclaimer:)',
    '(?:weiterlesen|mehr zum thema|lesen sie auch|auch interessant|lire aussi|à lire aussi|leer más|lee también|leggi anche|leia também|читайте также|подписывайтесь|подробнее)',
    '^\\(?(?:image|photo|foto|picture|video|source|credit|getty images|ap photo|reuters|quelle|bildquelle|beitragsbild|titelbild|źródło|fuente|fonte)\\b.{0,60}$',
    // A line that is only a date ("23.10.2018", "2021-11-04 14:05") is a dateline, not text.
    '^(?:\\d{1,2}[./]\\s?\\d{1,2}[./]\\s?\\d{2,4}|\\d{4}-\\d{2}-\\d{2})(?:,?\\s*\\d{1,2}:\\d{2}(?:\\s*uhr)?)?$',
    // Links to the neighbouring posts, citation boxes and calls to join ("Hazte miembro", "Únete", "nichts mehr verpassen").
    '\\b(?:next|previous) (?:article|post|story)\\b|(?:nächste[rn]?|vorherige[rn]?) (?:artikel|beitrag)|^vorschau auf|\\b(?:suggested citation|zitiervorschlag|zitierweise)\\b',
    `${JOIN_CALL}|\\b(?:inscrivez-vous|never miss)`,
    '\\b(?:click here|tap here|continue reading|keep reading|view gallery|watch video|listen to)\\b',
  ].join('|'),
  'i',
);
const PHRASE_MAX = 220;
/** An inline run opened by "©" (or "Foto:", "Credit:") is a picture credit set inside a caption or paragraph. */
const CREDIT = /^\s*\(?\s*(?:©|\(c\)\s|(?:foto|photo|credits?|bild|beitragsbild|bildquelle)\s*:)/i;
const CREDIT_MAX = 120;
const credit = (n: TNode): boolean => n.len <= CREDIT_MAX && isInline(n.tag) && n.tag !== 'a' && CREDIT.test(nodeText(n));
/**
 * Sign-up lines and other calls to action are chrome even when long enough to read as a paragraph
 * ("Subscribe to …, a free daily newsletter that …", "Follow us on Twitter and Instagram for …",
 * "… download our apps for iOS and Android", login-to-comment prompts).
 */
const SIGNUP_PHRASE = new RegExp(
  [
    '\\b(?:newsletters?|by (?:subscribing|signing up)|subscribe (?:now|today)|please subscribe)\\b|^(?:get|receive) (?:our|the latest)\\b',
    '^\\W*(?:follow|síguenos|siguenos|folge uns|folgen sie uns|suivez-nous)\\b.{0,80}\\b(?:twitter|instagram|facebook|telegram|youtube|whatsapp)\\b',
    '\\bdownload\\b.{0,60}\\bapps?\\b.{0,20}\\b(?:ios|android)\\b',
    '\\bif you (?:enjoyed|liked) (?:this|reading)\\b',
    // Calls to join a channel or a membership, post footers and affiliate disclosures.
    `${JOIN_CALL}|\\bcanal de telegram\\b`,
    '\\b(?:this entry was posted|(?:dieser|der) beitrag wurde am|advertiser disclosure|we may (?:earn|receive) (?:a )?(?:commission|compensation))',
    '\\b(?:you must be logged in|(?:eingeloggt|angemeldet) sein)\\b',
  ].join('|'),
  'i',
);
/** Non-link characters that make a paragraph prose whatever its link density. */
const PROSE_MIN = 100;

export interface Rendered {
  text: string;
  html: string;
  paragraphs: string[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string): string => esc(s).replace(/"/g, '&quot;');

export interface RenderOptions {
  boiler: Set<TNode>;
  /** Text of the page title, dropped when the root repeats it as a heading. */
  title?: string;
  /** Boilerplate level the root was chosen at (see chooseRoot): above 0, only `boiler` is skipped. */
  level?: number;
}

export function render(root: TNode, opts: RenderOptions): Rendered {
  const paragraphs: string[] = [];
  let html = '';
  let runText = '';
  let runHtml = '';
  const rootGood = root.good;
  const titleKey = opts.title ? key(opts.title) : '';

  const flush = (wrap: boolean): void => {
    const t = runText
      .replace(/[ \t\f\r\u00a0]+/g, ' ')
      .replace(/ *\n */g, '\n')
      .trim();
    if (t) paragraphs.push(t);
    // Image-only runs have no text but still belong in the HTML.
    if (t || runHtml.includes('<img')) html += wrap ? `<p>${runHtml.trim()}</p>` : runHtml.trim();
    runText = '';
    runHtml = '';
  };

  const proseLists = new Map<TNode, boolean>();
  // A list most of whose items are prose is article text: its link-only items ("Here's our year in
  // review!") are part of it. Menus and related-links lists are links throughout.
  const proseList = (l: TNode | null): boolean => {
    if (!l || (l.tag !== 'ul' && l.tag !== 'ol')) return false;
    let r = proseLists.get(l);
    if (r === undefined) {
      let items = 0;
      let plain = 0;
      for (const k of l.kids) {
        if (typeof k === 'string' || k.tag !== 'li' || k.len === 0) continue;
        items++;
        if (k.linkLen <= 0.5 * k.len && k.len - k.linkLen >= 40) plain++;
      }
      r = (plain >= 2 && plain >= 0.5 * items) || embedded(l);
      proseLists.set(l, r);
    }
    return r;
  };

  const skip = (n: TNode): boolean => {
    if (n === root) return false;
    const strict = (opts.level ?? 0) === 0;
    if (n.hidden && strict) return true;
    if ((opts.boiler.has(n) || (strict && isBoiler(n) && n.good < 0.5 * rootGood)) && !wordLink(n)) return true;
    if (n.len === 0) return n.tag !== 'img' && n.tag !== 'br' && n.tag !== 'hr' && n.tag !== 'figure' && n.tag !== 'picture';
    if (isInline(n.tag)) {
      // A cluster of links inside running text (hover card, inline "related" box) is not prose.
      if (linkCluster(n) || credit(n)) return true;
    } else {
      // Link lists (menus, related articles, tag clouds); a paragraph with real prose outside
      // its links is kept even when a link cluster inflates its link density.
      const prose = n.tag === 'p' && n.len - n.linkLen >= PROSE_MIN;
      // A table cell holding one link is data (a product, a team), not a menu.
      const cell = (n.tag === 'td' || n.tag === 'th') && n.links <= 1;
      if (
        !prose &&
        !cell &&
        n.linkLen / n.len > 0.5 &&
        (n.links > 1 || n.len < 120) &&
        !(n.tag === 'li' && proseList(n.parent)) &&
        !((n.tag === 'ul' || n.tag === 'ol') && proseList(n)) &&
        !linkedHeading(n)
      )
        return true;
      if (n.len <= PHRASE_MAX && n.good === 0) {
        const t = nodeText(n);
        if (BOILER_PHRASE.test(t)) return true;
        if (titleKey && /^h\d$/.test(n.tag) && key(t) === titleKey) return true;
      } else if (n.len <= PHRASE_MAX && n.paras <= 1 && SIGNUP_PHRASE.test(nodeText(n))) return true;
    }
    return false;
  };

  const inline = (n: TNode): void => {
    for (const k of n.kids) {
      if (typeof k === 'string') {
        runText += k;
        runHtml += esc(k);
        continue;
      }
      if ((k.hidden && (opts.level ?? 0) === 0) || linkCluster(k) || credit(k)) continue;
      if (k.tag === 'br') {
        runText += '\n';
        runHtml += '<br>';
        continue;
      }
      if (k.tag === 'img') {
        runHtml += img(k);
        continue;
      }
      if (!isInline(k.tag)) {
        // A block inside an inline element: keep its words apart.
        runText += ' ';
        runHtml += ' ';
        inline(k);
        runText += ' ';
        runHtml += ' ';
        continue;
      }
      if (KEEP_INLINE.has(k.tag)) {
        runHtml += openTag(k);
        inline(k);
        runHtml += `</${k.tag}>`;
      } else inline(k);
    }
  };

  const block = (n: TNode): void => {
    const keep = KEEP_BLOCK.has(n.tag);
    const container = TEXT_CONTAINERS.has(n.tag);
    if (keep) html += n.tag === 'hr' ? '<hr>' : `<${n.tag}>`;
    for (const k of n.kids) {
      if (typeof k === 'string') {
        runText += k;
        runHtml += esc(k);
        continue;
      }
      if (skip(k)) continue;
      if (k.tag === 'br') {
        runText += '\n';
        runHtml += '<br>';
      } else if (k.tag === 'img') runHtml += img(k);
      else if (isInline(k.tag)) {
        const kept = KEEP_INLINE.has(k.tag);
        if (kept) runHtml += openTag(k);
        inline(k);
        if (kept) runHtml += `</${k.tag}>`;
      } else {
        flush(!container);
        block(k);
      }
    }
    flush(!container);
    if (keep && n.tag !== 'hr') html += `</${n.tag}>`;
  };

  block(root);
  return { text: paragraphs.join('\n\n'), html, paragraphs };
}

/**
 * A list of short items set between paragraphs of prose in the same parent is part of the text
 * even when its items are links (a list of resources or courses). Items of headline length
 * (≥ 50 characters on average) are teasers for other stories, and stay link lists.
 */
function embedded(l: TNode): boolean {
  const p = l.parent;
  if (!p) return false;
  let items = 0;
  for (const k of l.kids) if (typeof k !== 'string' && k.tag === 'li') items++;
  if (items === 0 || l.len / items >= 50) return false;
  let before = false;
  let seen = false;
  for (const k of p.kids) {
    if (typeof k === 'string') continue;
    if (k === l) {
      seen = true;
      continue;
    }
    const prose = k.tag === 'p' && k.good > 0 && k.linkLen < 0.3 * k.len;
    if (prose && !seen) before = true;
    if (prose && seen && before) return true;
  }
  return false;
}

/**
 * A short heading whose words are one link ("<h3><a>Thumper ($20)</a></h3>") followed by a paragraph
 * of prose titles that section (listicles, reviews); a teaser headline is followed by more links,
 * and calls to action run longer than 50 characters.
 */
function linkedHeading(n: TNode): boolean {
  if (!/^h[2-6]$/.test(n.tag) || n.links !== 1 || n.len > 50 || !n.parent) return false;
  const kids = n.parent.kids;
  for (let i = kids.indexOf(n) + 1; i < kids.length; i++) {
    const k = kids[i]!;
    if (typeof k === 'string') {
      if (k.trim()) return false;
      continue;
    }
    if (k.len === 0) continue;
    return k.good > 0 && k.good >= 0.5 * k.len && k.linkLen <= 0.2 * k.len;
  }
  return false;
}

/**
 * A short link inside a paragraph of prose is words of the sentence, whatever its class
 * ("tag-link", "keyword"): dropping it leaves holes in the text.
 */
function wordLink(n: TNode): boolean {
  const p = n.parent;
  return n.tag === 'a' && !n.hidden && n.len < 60 && !!p && !isInline(p.tag) && p.ownLen - p.ownLinkLen >= PROSE_MIN;
}

/** A cluster of links inside running text (hover card, inline "related" box) is not prose. */
function linkCluster(n: TNode): boolean {
  return n.links >= 3 && n.len >= 100 && n.linkLen > 0.8 * n.len;
}

function openTag(n: TNode): string {
  const get = n.el.getAttribute!.bind(n.el);
  if (n.tag === 'a') {
    const href = get('href');
    return href ? `<a href="${escAttr(href)}">` : '<a>';
  }
  if (n.tag === 'time') {
    const dt = get('datetime');
    return dt ? `<time datetime="${escAttr(dt)}">` : '<time>';
  }
  if (n.tag === 'abbr') {
    const t = get('title');
    return t ? `<abbr title="${escAttr(t)}">` : '<abbr>';
  }
  return `<${n.tag}>`;
}

function img(n: TNode): string {
  const get = n.el.getAttribute!.bind(n.el);
  // Lazy loaders keep the real URL in data-* attributes; src is often a placeholder pixel.
  const src = get('data-src') ?? get('data-original') ?? get('data-lazy-src') ?? get('src');
  if (!src || /^data:/i.test(src)) return '';
  const alt = get('alt');
  return `<img src="${escAttr(src)}"${alt ? ` alt="${escAttr(alt)}"` : ''}>`;
}

function key(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
