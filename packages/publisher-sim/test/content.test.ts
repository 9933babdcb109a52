import iconv from 'iconv-lite';
import { JA, JA_TOPICS, RU, RU_TOPICS, type LangBank, type Topic } from '../src/banks';
import { composeArticle } from '../src/compose';

function strings(bank: LangBank, topics: Topic[]): string[] {
  return [
    ...bank.places.flatMap((p) => [p.name, p.loc ?? '', p.gen ?? '']),
    ...bank.authors,
    ...bank.commenters,
    ...bank.comments,
    ...bank.generic,
    ...Object.values(bank.ui).flat(),
    ...topics.flatMap((t) => [t.section, ...t.titles, ...t.summaries, ...t.sentences, ...t.officials, ...t.orgs]),
  ];
}

test.each([
  ['Shift_JIS', JA, JA_TOPICS],
  ['windows-1251', RU, RU_TOPICS],
] as const)('every %s content string round-trips through its charset', (charset, bank, topics) => {
  const lost = strings(bank, [...topics]).filter((s) => iconv.decode(iconv.encode(s, charset), charset) !== s);
  expect(lost).toEqual([]);
});

test('articles are deterministic, on one topic, 4–8 paragraphs, with every placeholder filled', () => {
  const a = composeArticle(RU, RU_TOPICS, 5, 'salt');
  expect(composeArticle(RU, RU_TOPICS, 5, 'salt')).toEqual(a);
  expect(composeArticle(RU, RU_TOPICS, 5, 'other').paragraphs).not.toEqual(a.paragraphs);
  for (let seq = 0; seq < 40; seq++) {
    const art = composeArticle(JA, JA_TOPICS, seq, 'x');
    expect(art.paragraphs.length).toBeGreaterThanOrEqual(4);
    expect(art.paragraphs.length).toBeLessThanOrEqual(8);
    expect([art.title, art.summary, ...art.paragraphs].join(' ')).not.toMatch(/\{\w+\}/);
    const topic = JA_TOPICS[seq % JA_TOPICS.length]!;
    expect(art.section).toBe(topic.section);
    // The lede is the topic's first sentence, in the article's place.
    const fragments = topic.sentences[0]!.split(/\{\w+\}/).filter((f) => f.length > 0);
    for (const f of fragments) expect(art.paragraphs[0]).toContain(f);
  }
});
