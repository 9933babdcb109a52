/**
 * Pure, dependency-free hashes: 64-bit FNV-1a (exact, on two 32-bit halves so no BigInt is
 * needed in the hot loop) and a 64-bit SimHash over word shingles for near-duplicate detection.
 */

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
// FNV-1a 64 prime is 2^40 + 0x1b3; multiplication is split into the 2^40 shift and the 0x1b3 part.
const PRIME_LO = 0x1b3;

interface H64 {
  hi: number;
  lo: number;
}

function mix(h: H64, byte: number): void {
  const lo = (h.lo ^ byte) >>> 0;
  const l = lo * PRIME_LO;
  const carry = Math.floor(l / 4294967296);
  h.hi = (Math.imul(h.hi, PRIME_LO) + (lo << 8) + carry) >>> 0;
  h.lo = l >>> 0;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** FNV-1a 64 over the UTF-8 bytes of `text`, as 16 hex characters. */
export function fnv1a64(text: string): string {
  const h = fnvRaw(text, true);
  return hex8(h.hi) + hex8(h.lo);
}

function fnvRaw(text: string, utf8: boolean): H64 {
  const h: H64 = { hi: OFFSET_HI, lo: OFFSET_LO };
  if (utf8) {
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i++) mix(h, bytes[i]!);
  } else {
    // Feature hashing only needs a well-spread hash of UTF-16 units, not byte-exact FNV.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      mix(h, c & 0xff);
      if (c > 0xff) mix(h, c >>> 8);
    }
  }
  return h;
}

/** Text normalized for hashing: case-folded words only, so markup or spacing changes do not alter the hash. */
export function normalizeForHash(text: string): string {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
}

export function textHash(text: string): string {
  return fnv1a64(normalizeForHash(text));
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Word-like features: words for spaced scripts, single characters for CJK (which has no spaces). */
function features(text: string): string[] {
  const out: string[] = [];
  for (const tok of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (CJK.test(tok)) for (const ch of tok) out.push(ch);
    else out.push(tok);
  }
  return out;
}

/** 64-bit SimHash over 3-word shingles, as 16 hex characters. */
export function simhash(text: string): string {
  const words = features(text);
  const v = new Float64Array(64);
  const n = words.length < 3 ? (words.length ? 1 : 0) : words.length - 2;
  for (let i = 0; i < n; i++) {
    const h = fnvRaw(words.slice(i, i + 3).join(' '), false);
    for (let b = 0; b < 32; b++) {
      v[b] = v[b]! + ((h.lo >>> b) & 1 ? 1 : -1);
      v[b + 32] = v[b + 32]! + ((h.hi >>> b) & 1 ? 1 : -1);
    }
  }
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < 32; b++) {
    if (v[b]! > 0) lo |= 1 << b;
    if (v[b + 32]! > 0) hi |= 1 << b;
  }
  return hex8(hi >>> 0) + hex8(lo >>> 0);
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance (0..64) between two SimHash hex strings; 64 when either is malformed. */
export function simhashDistance(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/i.test(a) || !/^[0-9a-f]{16}$/i.test(b)) return 64;
  const hi = (parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0;
  const lo = (parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0;
  return popcount32(hi) + popcount32(lo);
}

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;

/** Word count; CJK characters each count as one word because those scripts do not use spaces. */
export function wordCount(text: string): number {
  const cjk = text.match(CJK_CHAR)?.length ?? 0;
  const rest = cjk ? text.replace(CJK_CHAR, ' ') : text;
  const words = rest.match(/[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
  return cjk + words;
}
