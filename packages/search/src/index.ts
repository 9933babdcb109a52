// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- nlp.js has no types; consumers compile this file directly
/// <reference path="./nlpjs.d.ts" />
import { StemmerEn } from '@nlpjs/lang-en-min';
import { StemmerRu } from '@nlpjs/lang-ru';

/**
 * Search-term analysis shared by the writers (Article.terms, a multikey index) and the API
 * (queries). Both sides must produce the same terms for the same words, so every rule here
 * depends only on the text itself (script of each word), never on who calls.
 */

/** Longest term kept: longer "words" are URLs, hashes or base64 noise, not search input. */
export const MAX_TERM_LENGTH = 48;
/** Cap on terms per article: bounds the multikey index entries one document can create. */
export const MAX_TERMS = 600;

const CJK = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;
const NOT_LETTER = /[\p{P}\p{S}\p{Z}\p{Cc}]/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /\p{Script=Latin}/u;
const MARKS = /\p{M}/gu;

export function isCjkChar(c: string): boolean {
  return CJK.test(c) && !NOT_LETTER.test(c);
}

/** Whether any character of `s` is a CJK letter (isCjkChar), in one regex pass. */
const ANY_CJK = /(?=[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])[^\p{P}\p{S}\p{Z}\p{Cc}]/u;
const hasCjk = (s: string) => ANY_CJK.test(s);
const ASCII = /^[\x20-\x7e]*$/;

// Stopwords: the most frequent function words only. They are dropped on both sides, so a
// query made only of stopwords matches nothing rather than everything.
const STOPWORDS = new Set(
  (
    'a an and are as at be by for from has have in is it its of on or that the this to was were will with ' +
    'и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по ее мне было вот от меня о из ему ли если уже или ни быть был до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между'
  ).split(' '),
);

// Snowball-family stemmers from nlp.js (maintained, MIT, CommonJS). Chosen by script, not by
// the article's declared language, because a query has no language.
const en = new StemmerEn();
const ru = new StemmerRu();

/** Case and diacritics folding. CJK keeps its marks (NFKD would split kana dakuten): NFKC only. */
export function fold(word: string): string {
  // Printable ASCII has no marks or compatibility forms: lowercasing is the whole fold.
  if (ASCII.test(word)) return word.toLowerCase();
  if (hasCjk(word)) return word.normalize('NFKC').toLowerCase();
  return word.normalize('NFKD').replace(MARKS, '').toLowerCase().normalize('NFC');
}

function stem(word: string): string {
  if (CYRILLIC.test(word)) {
    // ё→е first: the stemmer's suffix tables use е; folding afterwards strips й→и consistently.
    const s = ru.stemWord(word.replace(/ё/g, 'е')) as string;
    return fold(s || word);
  }
  // Possessive and elided apostrophes ("Müller’s", "don't") would otherwise split the vocabulary.
  const f = fold(word)
    .replace(/['’]s$/, '')
    .replace(/['’]/g, '');
  if (LATIN.test(f) && /^[a-z]+$/.test(f)) return (en.stemWord(f) as string) || f;
  return f;
}

export interface TokenizeOptions {
  /** Drop frequent function words (default true). */
  stopwords?: boolean;
}

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(lang?: string): Intl.Segmenter {
  const key = lang ?? '';
  let s = segmenters.get(key);
  if (!s) {
    let locale: string | undefined;
    try {
      locale = lang ? Intl.getCanonicalLocales(lang)[0] : undefined;
    } catch {
      locale = undefined; // a malformed language tag from a feed must not break indexing
    }
    s = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(key, s);
  }
  return s;
}

/**
 * The term for one word-like segment (already lowercased), or '' when it is dropped. Memoized:
 * news text repeats its words, and folding plus stemming is most of tokenizing. The cache is
 * bounded (cleared when full) and holds only pure results, so output never depends on it.
 */
const TERM_CACHE_MAX = 50_000;
const termCache = new Map<string, string>();
function termOf(raw: string): string {
  let t = termCache.get(raw);
  if (t !== undefined) return t;
  const cjk = hasCjk(raw);
  // Single Latin/Cyrillic letters are noise; single CJK characters are words.
  if (!cjk && [...raw].length < 2 && !/\d/.test(raw)) t = '';
  else {
    t = cjk ? fold(raw) : stem(raw);
    if (!t || t.length > MAX_TERM_LENGTH) t = '';
  }
  if (termCache.size >= TERM_CACHE_MAX) termCache.clear();
  termCache.set(raw, t);
  return t;
}

/** Words of `text` (Intl.Segmenter word granularity, so ja/zh/th are split too), folded and stemmed. */
export function tokenize(text: string, lang?: string, opts: TokenizeOptions = {}): string[] {
  const out: string[] = [];
  const dropStop = opts.stopwords ?? true;
  for (const seg of segmenter(lang).segment(text)) {
    if (!seg.isWordLike) continue;
    const raw = seg.segment.toLowerCase();
    if (dropStop && STOPWORDS.has(raw)) continue;
    const t = termOf(raw);
    if (t) out.push(t);
  }
  return out;
}

/** Maximal runs of CJK characters, ignoring the segmenter (its word boundaries vary with context). */
function cjkRuns(text: string): string[] {
  const runs: string[] = [];
  const normalized = text.normalize('NFKC');
  if (!hasCjk(normalized)) return runs;
  let cur = '';
  for (const c of normalized) {
    if (isCjkChar(c)) cur += c;
    else if (cur) {
      runs.push(cur);
      cur = '';
    }
  }
  if (cur) runs.push(cur);
  return runs;
}

/** Character bigrams of a CJK run: a query's bigrams are all found in any text containing it. */
export function bigrams(run: string): string[] {
  const cs = [...run];
  if (cs.length < 2) return cs.length ? [run] : [];
  const out: string[] = [];
  for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i]! + cs[i + 1]!);
  return out;
}

export interface ArticleText {
  title?: string | null;
  summary?: string | null;
  text?: string | null;
  body?: string | null;
  keywords?: string[] | null;
  language?: string | null;
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ');
}

/**
 * Terms for Article.terms: segmenter words plus CJK bigrams, deduplicated, title first (so the
 * cap drops body words, never headline words), at most MAX_TERMS.
 */
export function termsFor(article: ArticleText): string[] {
  const lang = article.language ?? undefined;
  const parts = [
    article.title ?? '',
    (article.keywords ?? []).join(' '),
    article.summary ?? '',
    article.text ?? (article.body ? stripTags(article.body) : ''),
  ];
  const seen = new Set<string>();
  for (const part of parts) {
    if (!part) continue;
    for (const t of tokenize(part, lang)) {
      seen.add(t);
      if (seen.size >= MAX_TERMS) return [...seen];
    }
    for (const run of cjkRuns(part)) {
      for (const b of bigrams(run.toLowerCase())) {
        seen.add(b);
        if (seen.size >= MAX_TERMS) return [...seen];
      }
    }
  }
  return [...seen];
}

/**
 * Terms a query must all match (`terms: {$all: queryTerms(q)}`). CJK runs become bigrams only,
 * because the segmenter may cut the query differently from the article; other words are
 * tokenized exactly as in termsFor. Empty when the query has no searchable word.
 */
export function queryTerms(q: string): string[] {
  const out = new Set<string>();
  for (const t of tokenize(q)) if (!hasCjk(t)) out.add(t);
  for (const run of cjkRuns(q)) for (const b of bigrams(run.toLowerCase())) out.add(b);
  return [...out].slice(0, 16);
}
