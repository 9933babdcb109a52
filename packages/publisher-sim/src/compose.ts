import type { LangBank, Topic } from './banks';

/** Deterministic PRNG so a given (salt, seq) always yields the same article. */
export function rng(seedText: string): () => number {
  let h = 1779033703 ^ seedText.length;
  for (let i = 0; i < seedText.length; i++) {
    h = Math.imul(h ^ seedText.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  const x = xs[Math.floor(r() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

function shuffle<T>(r: () => number, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface ArticleContent {
  lang: string;
  title: string;
  summary: string;
  paragraphs: string[];
  author: string;
  section: string;
  tags: string[];
  topicKey: string;
  placeSlug: string;
}

/**
 * One article on one topic in one place: the topic cycles fastest, then the place, so the
 * first topics × places articles of a feed are all distinct stories; after that the numbers
 * and sentence order differ and the title carries an "update N" suffix.
 */
export function composeArticle(bank: LangBank, topics: readonly Topic[], seq: number, salt: string): ArticleContent {
  const topic = topics[seq % topics.length];
  if (!topic) throw new Error('no topics');
  const placeIndex = Math.floor(seq / topics.length) % bank.places.length;
  const place = bank.places[placeIndex]!;
  const round = Math.floor(seq / (topics.length * bank.places.length));
  const r = rng(`${salt}:${seq}`);
  const fmt = (x: number) => x.toLocaleString(bank.lang === 'ja' ? 'en' : bank.lang);
  const vars: Record<string, string> = {
    place: place.name,
    place_loc: place.loc ?? place.name,
    place_gen: place.gen ?? place.name,
    n: String(2 + Math.floor(r() * 8)),
    // 5..9: Russian nouns after these take the genitive plural, so sentences stay grammatical.
    n5: String(5 + Math.floor(r() * 5)),
    m: fmt((12 + Math.floor(r() * 880)) * 10),
    pct: String(5 + Math.floor(r() * 40)),
    official: pick(r, topic.officials),
    org: pick(r, topic.orgs),
  };
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? `{${k}}`);
  const sentenceJoin = bank.lang === 'ja' ? '' : ' ';

  let title = fill(pick(r, topic.titles));
  if (round > 0) title += bank.lang === 'ja' ? `（${bank.ui.updateSuffix}${round + 1}）` : ` (${bank.ui.updateSuffix} ${round + 1})`;
  const [lede, ...rest] = topic.sentences;
  const ordered = [lede!, ...shuffle(r, rest)].map(fill);
  const count = 4 + Math.floor(r() * 3); // 4..6 paragraphs
  const paragraphs: string[] = [];
  for (let p = 0; p < count - 1; p++) paragraphs.push(ordered.slice(p * 2, p * 2 + 2).join(sentenceJoin));
  paragraphs.push(shuffle(r, bank.generic).slice(0, 2).map(fill).join(sentenceJoin));
  return {
    lang: bank.lang,
    title,
    summary: fill(pick(r, topic.summaries)),
    paragraphs: paragraphs.filter((p) => p.length > 0),
    author: pick(r, bank.authors),
    section: topic.section,
    tags: [topic.section, place.name],
    topicKey: topic.key,
    placeSlug: place.slug,
  };
}
