import chardet from 'chardet';
import iconv from 'iconv-lite';

export type CharsetSource = 'bom' | 'http' | 'declaration' | 'detected' | 'default';

export interface Decoded {
  text: string;
  charset: string;
  source: CharsetSource;
}

const BOMS: [number[], string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

/** Labels publishers use that iconv-lite spells differently, or that browsers widen (WHATWG Encoding). */
const ALIASES: Record<string, string> = {
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  shift_jis: 'cp932',
  'shift-jis': 'cp932',
  'windows-31j': 'cp932',
  'iso-8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  gb2312: 'gbk',
  'x-gbk': 'gbk',
  big5: 'big5hkscs',
  'euc-kr': 'cp949',
  'ks_c_5601-1987': 'cp949',
  'x-euc-jp': 'euc-jp',
  utf8: 'utf-8',
};

export function normalizeCharset(label: string | undefined | null): string | undefined {
  if (!label) return undefined;
  const l = label
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  if (!l) return undefined;
  const name = ALIASES[l] ?? l;
  return iconv.encodingExists(name) ? name : undefined;
}

export function charsetFromContentType(contentType: string | undefined | null): string | undefined {
  const m = contentType?.match(/charset\s*=\s*("?)([^";,\s]+)\1/i);
  return m?.[2];
}

/** The declared encoding in the first bytes: `<?xml encoding=...?>` or `<meta charset>` / http-equiv. */
export function declaredCharset(bytes: Uint8Array, kind: 'xml' | 'html'): string | undefined {
  // Declarations are ASCII; reading the head as latin1 is safe whatever the real encoding.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, kind === 'xml' ? 512 : 4096)).toString('latin1');
  if (kind === 'xml' || head.trimStart().startsWith('<?xml')) {
    const m = head.match(/^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/);
    if (m) return m[1];
  }
  if (kind === 'html') {
    const m =
      head.match(/<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i) ??
      head.match(/<meta[^>]+content\s*=\s*["'][^"']*charset=([A-Za-z0-9._:-]+)/i);
    if (m) return m[1];
  }
  return undefined;
}

function detect(bytes: Uint8Array): string | undefined {
  if (isValidUtf8(bytes)) return 'utf-8';
  const sample = bytes.byteLength > 65536 ? bytes.subarray(0, 65536) : bytes;
  const candidates: { name: string; confidence: number }[] = [];
  for (const c of chardet.analyse(sample)) {
    const n = normalizeCharset(c.name);
    if (n && !candidates.some((x) => x.name === n)) candidates.push({ name: n, confidence: c.confidence });
  }
  const top = candidates[0];
  // A sure multi-byte match stands; single-byte guesses on short text are near coin flips.
  if (!top || top.confidence >= 90) return top?.name;
  let best = top;
  let bestScore = plausibility(iconv.decode(Buffer.from(sample), top.name));
  for (const c of candidates.slice(1, 8)) {
    const score = plausibility(iconv.decode(Buffer.from(sample), c.name));
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  return best.name;
}

/**
 * How much decoded text looks like real words: each word with non-ASCII letters scores +1 when it
 * is in one script, sensibly cased, and (for Latin) mostly ASCII; else -1. Cyrillic read as
 * Latin-1 gives all-accent words ("Íîâîñòè"); KOI8-R read as windows-1251 gives inverted case.
 */
function plausibility(text: string): number {
  let score = 0;
  for (const [word] of text.matchAll(/[\p{L}\p{M}]+/gu)) {
    if (!/[^a-z]/i.test(word)) continue;
    const scripts = new Set(
      [...word].map((ch) =>
        /\p{Script=Latin}/u.test(ch)
          ? 'latin'
          : /\p{Script=Cyrillic}/u.test(ch)
            ? 'cyrillic'
            : /\p{Script=Greek}/u.test(ch)
              ? 'greek'
              : 'other',
      ),
    );
    const cased = /^\p{Lu}?[\p{Ll}\p{M}]+$/u.test(word) || /^[\p{Lu}\p{M}]+$/u.test(word) || !/[\p{Lu}\p{Ll}]/u.test(word);
    const nonAscii = [...word].filter((ch) => ch > '\x7f').length;
    const latinHeavy = scripts.has('latin') && word.length > 2 && nonAscii / word.length > 0.5;
    score += scripts.size === 1 && cased && !latinHeavy ? 1 : -1;
  }
  return score - 10 * (text.match(/[\ufffd\u0080-\u009f]/g)?.length ?? 0);
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes bytes in the order the specs give: BOM, then the HTTP charset, then the document's own
 * declaration, then detection. A declared UTF-8 that is not valid UTF-8 falls through to
 * detection, because mislabelled legacy pages are common and the bytes do not lie.
 */
export function decodeBytes(bytes: Uint8Array, opts: { contentType?: string | null; kind: 'xml' | 'html' }): Decoded {
  for (const [sig, cs] of BOMS) {
    if (sig.every((b, i) => bytes[i] === b)) {
      return { text: iconv.decode(Buffer.from(bytes.subarray(sig.length)), cs), charset: cs, source: 'bom' };
    }
  }
  const candidates: [string | undefined, CharsetSource][] = [
    [normalizeCharset(charsetFromContentType(opts.contentType)), 'http'],
    [normalizeCharset(declaredCharset(bytes, opts.kind)), 'declaration'],
  ];
  for (const [cs, source] of candidates) {
    if (!cs) continue;
    if (cs === 'utf-8' && !isValidUtf8(bytes)) continue;
    // UTF-16 declared in an 8-bit document is a lie the XML spec tells us to ignore.
    if (cs.startsWith('utf-16') || cs.startsWith('utf16')) continue;
    return { text: iconv.decode(Buffer.from(bytes), cs), charset: cs, source };
  }
  const found = detect(bytes);
  if (found) return { text: iconv.decode(Buffer.from(bytes), found), charset: found, source: 'detected' };
  return { text: iconv.decode(Buffer.from(bytes), 'windows-1252'), charset: 'windows-1252', source: 'default' };
}
