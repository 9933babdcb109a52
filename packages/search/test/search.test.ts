import { bigrams, fold, queryTerms, termsFor, tokenize, MAX_TERMS } from '../src';

const matches = (q: string, a: Parameters<typeof termsFor>[0]) => {
  const terms = new Set(termsFor(a));
  const qt = queryTerms(q);
  return qt.length > 0 && qt.every((t) => terms.has(t));
};

describe('fold', () => {
  it('folds case and diacritics but keeps kana marks', () => {
    expect(fold('Café Déjà VU')).toBe('cafe deja vu');
    expect(fold('Ärger')).toBe('arger');
    expect(fold('ガソリン')).toBe('ガソリン');
    expect(fold('ｶﾞｿﾘﾝ')).toBe('ガソリン'); // half-width katakana → NFKC
  });
});

describe('English', () => {
  it('segments, drops stopwords and stems', () => {
    expect(tokenize('The Elections were running in Müller’s city')).toEqual(['elect', 'run', 'muller', 'citi']);
  });
  it('matches inflected query words', () => {
    const a = { title: 'Parliament elects new speaker', summary: 'Voters are angry about the economy' };
    expect(matches('elected speakers', a)).toBe(true);
    expect(matches('economy voter', a)).toBe(true);
    expect(matches('economy football', a)).toBe(false);
  });
  it('a stopword-only query has no terms', () => {
    expect(queryTerms('the and of')).toEqual([]);
  });
});

describe('Russian', () => {
  it('stems and folds ё', () => {
    expect(tokenize('Выборы в Москве')).toEqual(['выбор', 'москв']);
    expect(tokenize('ёлка')).toEqual(tokenize('елка'));
  });
  it('matches other grammatical cases', () => {
    const a = { title: 'Выборы мэра Москвы назначены на сентябрь', language: 'ru' };
    expect(matches('выборах в Москве', a)).toBe(true);
    expect(matches('выборы Петербург', a)).toBe(false);
  });
});

describe('Japanese and Chinese', () => {
  it('segments Japanese with Intl.Segmenter', () => {
    expect(tokenize('東京都で大雨', 'ja')).toEqual(expect.arrayContaining(['東京', '大雨']));
  });
  it('emits bigrams so a substring query matches', () => {
    expect(bigrams('東京都庁')).toEqual(['東京', '京都', '都庁']);
    const a = { title: '東京都庁で記者会見、大雨の影響について', language: 'ja' };
    expect(matches('東京', a)).toBe(true);
    expect(matches('大雨の影響', a)).toBe(true);
    expect(matches('大阪', a)).toBe(false);
  });
  it('handles Chinese', () => {
    const a = { title: '北京市发布暴雨预警', language: 'zh' };
    expect(matches('暴雨', a)).toBe(true);
    expect(matches('北京 预警', a)).toBe(true);
  });
  it('mixes scripts in one query', () => {
    expect(matches('Tokyo 東京', { title: 'Tokyo: 東京で地震' })).toBe(true);
  });
});

describe('termsFor', () => {
  it('dedupes, caps, and keeps title words first', () => {
    const body = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    const t = termsFor({ title: 'Unique headline', text: body });
    expect(t.length).toBe(MAX_TERMS);
    expect(t.slice(0, 2)).toEqual(['uniqu', 'headlin']);
    expect(new Set(t).size).toBe(t.length);
  });
  it('uses the HTML body when there is no text, without tags', () => {
    const t = termsFor({ title: 'x', body: '<p class="lead">Flooding <b>closes</b> roads</p>' });
    expect(t).toEqual(expect.arrayContaining(['flood', 'close', 'road']));
    expect(t).not.toContain('lead');
  });
  it('ignores an invalid language tag', () => {
    expect(tokenize('hello world', 'not a tag!!')).toEqual(['hello', 'world']);
  });
});
