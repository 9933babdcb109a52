import { decodeHTML } from 'entities';
import sanitize from 'sanitize-html';

/**
 * The allow-list for article and entry bodies: text structure, figures, simple tables and
 * links. Everything else (script, style, iframes, forms, event handlers, inline CSS) is
 * dropped; only absolute http(s) URLs survive, resolved against the page's own URL.
 */
const ALLOWED_TAGS = [
  'p',
  'br',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'figure',
  'figcaption',
  'img',
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
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
  'hr',
  'dl',
  'dt',
  'dd',
];

function absoluteHttp(value: string | undefined, base: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    // Control characters and whitespace inside schemes ("java\tscript:") are stripped by URL parsing.
    const u = new URL(value.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export function sanitizeHtml(html: string, baseUrl?: string): string {
  return sanitize(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      time: ['datetime'],
      th: ['colspan', 'rowspan', 'scope'],
      td: ['colspan', 'rowspan'],
      abbr: ['title'],
      q: ['cite'],
    },
    allowedSchemes: ['http', 'https'],
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'iframe', 'object', 'embed', 'svg', 'math'],
    transformTags: {
      a: (tagName, attribs) => {
        const href = absoluteHttp(attribs.href, baseUrl);
        const out: Record<string, string> = href ? { href, rel: 'noopener nofollow' } : {};
        if (attribs.title) out.title = attribs.title;
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const src = absoluteHttp(attribs.src ?? attribs['data-src'], baseUrl);
        const out: Record<string, string> = {};
        if (src) out.src = src;
        for (const k of ['alt', 'title', 'width', 'height']) if (attribs[k]) out[k] = attribs[k]!;
        return { tagName, attribs: out };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  }).trim();
}

/** Plain text from HTML: tags dropped, entities decoded, white space collapsed. */
export function htmlToText(html: string): string {
  const text = sanitize(html.replace(/<(br|\/p|\/h\d|\/li|\/div|\/tr)\s*\/?>/gi, '$&\n'), {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: ['script', 'style', 'textarea', 'noscript', 'template'],
  });
  return decodeHTML(text)
    .replace(/[ \t\f\r\u00a0]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim();
}
