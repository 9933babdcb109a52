/** Light language detection: declared tags first, else script ranges, else stop-word counts. */

const STOPWORDS: Record<string, string[]> = {
  en: [
    'the',
    'and',
    'of',
    'to',
    'in',
    'is',
    'that',
    'for',
    'it',
    'with',
    'was',
    'on',
    'are',
    'as',
    'this',
    'by',
    'be',
    'have',
    'from',
    'at',
  ],
  de: [
    'der',
    'die',
    'und',
    'das',
    'ist',
    'nicht',
    'mit',
    'den',
    'sich',
    'auf',
    'ein',
    'eine',
    'auch',
    'es',
    'im',
    'dem',
    'zu',
    'von',
    'wird',
    'sie',
  ],
  fr: [
    'le',
    'la',
    'les',
    'et',
    'des',
    'est',
    'une',
    'dans',
    'que',
    'pour',
    'qui',
    'pas',
    'sur',
    'du',
    'au',
    'avec',
    'il',
    'ce',
    'sont',
    'un',
  ],
  es: ['el', 'la', 'los', 'las', 'y', 'que', 'es', 'en', 'por', 'una', 'del', 'con', 'para', 'se', 'como', 'su', 'al', 'lo', 'más', 'pero'],
  it: [
    'il',
    'di',
    'che',
    'è',
    'la',
    'per',
    'non',
    'una',
    'sono',
    'della',
    'con',
    'gli',
    'del',
    'anche',
    'alla',
    'nel',
    'le',
    'si',
    'un',
    'ha',
  ],
  pt: ['o', 'a', 'os', 'as', 'que', 'não', 'uma', 'com', 'para', 'por', 'mais', 'do', 'da', 'em', 'foi', 'são', 'no', 'na', 'se', 'ao'],
  nl: [
    'de',
    'het',
    'een',
    'en',
    'van',
    'is',
    'dat',
    'niet',
    'op',
    'te',
    'zijn',
    'voor',
    'met',
    'die',
    'ook',
    'maar',
    'aan',
    'er',
    'om',
    'wordt',
  ],
  id: [
    'yang',
    'dan',
    'di',
    'ini',
    'itu',
    'dengan',
    'untuk',
    'tidak',
    'dari',
    'dalam',
    'akan',
    'pada',
    'juga',
    'ke',
    'karena',
    'ada',
    'adalah',
    'oleh',
    'mereka',
    'atau',
  ],
  sv: [
    'och',
    'att',
    'det',
    'som',
    'är',
    'på',
    'en',
    'för',
    'med',
    'av',
    'inte',
    'den',
    'till',
    'har',
    'om',
    'ett',
    'var',
    'men',
    'jag',
    'så',
  ],
  pl: ['i', 'w', 'nie', 'na', 'się', 'to', 'że', 'jest', 'do', 'z', 'jak', 'co', 'ale', 'po', 'tak', 'od', 'przez', 'dla', 'czy', 'są'],
  tr: [
    've',
    'bir',
    'bu',
    'da',
    'de',
    'için',
    'ile',
    'olarak',
    'daha',
    'çok',
    'gibi',
    'olan',
    'en',
    'ama',
    'sonra',
    'kadar',
    'değil',
    'her',
    'ne',
    'mi',
  ],
};
const STOP_SETS = Object.entries(STOPWORDS).map(([lang, ws]) => [lang, new Set(ws)] as const);

const SCRIPTS: Array<[RegExp, string]> = [
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/gu, 'ja'],
  [/\p{Script=Hangul}/gu, 'ko'],
  [/\p{Script=Han}/gu, 'zh'],
  [/\p{Script=Arabic}/gu, 'ar'],
  [/\p{Script=Hebrew}/gu, 'he'],
  [/\p{Script=Greek}/gu, 'el'],
  [/\p{Script=Thai}/gu, 'th'],
  [/\p{Script=Devanagari}/gu, 'hi'],
  [/\p{Script=Cyrillic}/gu, 'ru'],
];

/** Normalizes "en_US", "EN-us" → "en-US"; undefined for nonsense. */
export function normalizeLang(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  const first = tag.split(/[,;]/)[0]!.trim().replace(/_/g, '-');
  const m = /^([a-z]{2,3})(?:-([a-z0-9]{2,8}))?/i.exec(first);
  if (!m) return undefined;
  const primary = m[1]!.toLowerCase();
  if (primary === 'und' || primary === 'mul') return undefined;
  const region = m[2];
  return region ? `${primary}-${region.length === 2 ? region.toUpperCase() : region}` : primary;
}

export function detectLanguage(text: string): string | undefined {
  const sample = text.length > 4000 ? text.slice(0, 4000) : text;
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters < 20) return undefined;
  // Japanese text mixes kana with Han, so kana presence is checked before Han.
  const kana = sample.match(SCRIPTS[0]![0])?.length ?? 0;
  if (kana > letters * 0.05) return 'ja';
  for (const [re, lang] of SCRIPTS.slice(1)) {
    const n = sample.match(re)?.length ?? 0;
    if (n > letters * 0.3) {
      if (lang === 'ru' && /[іїєґ]/i.test(sample)) return 'uk';
      if (lang === 'ar' && /[پچژگ]/.test(sample)) return 'fa';
      return lang;
    }
  }
  const words = sample.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: string | undefined;
  let bestN = 0;
  for (const [lang, set] of STOP_SETS) {
    let n = 0;
    for (const w of words) if (set.has(w)) n++;
    if (n > bestN) {
      bestN = n;
      best = lang;
    }
  }
  return bestN >= Math.max(2, words.length * 0.05) ? best : undefined;
}
