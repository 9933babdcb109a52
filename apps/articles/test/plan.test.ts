import { testServices } from '@newsline/embedded-stack';
import { createStore, type Store } from '@newsline/store';
import mongoose, { Types } from 'mongoose';
import { pageOfArticles, PAGE_INDEXES, RARE_LIMIT, SAME_MS_LIMIT, type PageQuery } from '@newsline/store';

// The planner against the real database: pages agree with a plain sort of everything, and every
// query it sends is served by an index (explain on the embedded default: no sequential scan).
const N = 2_600;
const LANGS = ['en', 'ja', 'ru', 'es'];
const SECTIONS = ['politics', 'sport', 'local'];
let store: Store;
let all: {
  _id: Types.ObjectId;
  publishedAt: Date;
  language: string;
  section: string;
  sourceId: Types.ObjectId;
  country: string;
  terms: string[];
}[];
const sources = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
const now = Date.now();

beforeAll(async () => {
  const s = testServices('plan');
  store = await createStore(s.mongoUrl);
  await store.ensureIndexes();
  all = Array.from({ length: N }, (_, i) => ({
    _id: new Types.ObjectId(),
    // Bursts of equal timestamps: cursors must page through ties.
    publishedAt: new Date(now - Math.floor(i / 3) * 60_000),
    language: LANGS[i % LANGS.length]!,
    section: SECTIONS[i % SECTIONS.length]!,
    sourceId: sources[i % sources.length]!,
    country: i % 2 ? 'GB' : 'JP',
    // 'common' in every article: more than RARE_LIMIT matches; `r<i>` in one.
    terms: ['common', `r${i}`, i % 10 === 0 ? 'tenth' : 'other'],
  }));
  await store.Article.collection.insertMany(
    all.map((a, i) => ({
      ...a,
      urlKey: `x.example/${i}`,
      url: `https://x.example/${i}`,
      sourceUrl: `https://x.example/${i}`,
      attribution: 'X',
      title: `T${i}`,
    })),
  );
}, 60_000);
afterAll(async () => {
  await store.conn.dropDatabase();
  await store.close();
});

function expected(pred: (a: (typeof all)[number]) => boolean): string[] {
  return all
    .filter(pred)
    .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime() || (String(b._id) > String(a._id) ? 1 : -1))
    .map((a) => String(a._id));
}

async function pages(q: PageQuery, first: number, max: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: { t: number; id: string } | undefined;
  while (out.length < max) {
    const rows = await pageOfArticles(store, q, first, cursor, '_id publishedAt');
    out.push(...rows.slice(0, first).map((r) => String(r._id)));
    if (rows.length <= first) break;
    const last = rows[first - 1]!;
    cursor = { t: last.publishedAt.getTime(), id: String(last._id) };
  }
  return out.slice(0, max);
}

const SHAPES: [string, PageQuery, (a: (typeof all)[number]) => boolean][] = [
  ['all', {}, () => true],
  ['languages', { languages: ['ja', 'ru'] }, (a) => a.language === 'ja' || a.language === 'ru'],
  ['source + section', { sourceIds: [sources[1]!], section: 'sport' }, (a) => a.sourceId.equals(sources[1]!) && a.section === 'sport'],
  [
    'country + time range',
    { countries: ['JP'], from: new Date(now - 300 * 60_000), to: new Date(now - 100 * 60_000) },
    (a) => a.country === 'JP' && a.publishedAt.getTime() >= now - 300 * 60_000 && a.publishedAt.getTime() < now - 100 * 60_000,
  ],
  ['rare term', { terms: ['r1234'] }, (a) => a.terms.includes('r1234')],
  ['uncommon term + language', { terms: ['tenth'], languages: ['en'] }, (a) => a.terms.includes('tenth') && a.language === 'en'],
  ['common term', { terms: ['common'] }, () => true],
];

describe('pageOfArticles', () => {
  it.each(SHAPES)('pages %s like a sort of everything: order, ties, cursors', async (_name, q, pred) => {
    expect(N).toBeGreaterThan(RARE_LIMIT); // 'common' takes the windowed path
    const want = expected(pred).slice(0, 130);
    expect(await pages(q, 20, 130)).toEqual(want);
  });

  it('pages a millisecond holding more than SAME_MS_LIMIT articles (the _id-range fallback)', async () => {
    const t = new Date(now - 3 * 86_400_000);
    const burst = Array.from({ length: SAME_MS_LIMIT * 2 + 7 }, (_, i) => ({
      _id: new Types.ObjectId(),
      publishedAt: t,
      language: 'de',
      urlKey: `burst.example/${i}`,
      url: `https://burst.example/${i}`,
      sourceUrl: `https://burst.example/${i}`,
      attribution: 'B',
      title: `B${i}`,
    }));
    await store.Article.collection.insertMany(burst);
    try {
      const want = burst
        .map((a) => String(a._id))
        .sort()
        .reverse();
      expect(await pages({ languages: ['de'] }, 20, burst.length + 5)).toEqual(want);
    } finally {
      await store.Article.collection.deleteMany({ language: 'de' });
    }
  });

  it('answers the page past the oldest article with nothing (windows widen to the earliest date)', async () => {
    const oldest = all.reduce((a, b) => (a.publishedAt < b.publishedAt ? a : b));
    const c = { t: oldest.publishedAt.getTime() - 1, id: String(oldest._id) };
    expect(await pageOfArticles(store, {}, 20, c, '_id')).toEqual([]);
    expect(await pageOfArticles(store, { languages: ['ja'], terms: ['common'] }, 20, c, '_id')).toEqual([]);
  });

  it('sends only queries an index serves (explain: no sequential scan of the articles)', async () => {
    const sent: { filter: Record<string, unknown>; options: Record<string, unknown> }[] = [];
    store.conn.set('debug', (coll: string, method: string, filter: Record<string, unknown>, options: Record<string, unknown>) => {
      if (coll === 'articles' && method === 'find') sent.push({ filter, options });
    });
    try {
      for (const [, q] of SHAPES) await pages(q, 20, 60);
    } finally {
      store.conn.set('debug', false);
    }
    expect(sent.length).toBeGreaterThan(SHAPES.length);
    const hints = new Set(Object.values(PAGE_INDEXES).map((k) => JSON.stringify(k)));
    for (const { filter, options } of sent) {
      const plan = await store.Article.collection
        .find(filter, {
          sort: options.sort as mongoose.mongo.Sort,
          limit: options.limit as number,
          hint: options.hint as mongoose.mongo.Hint,
          projection: options.projection as mongoose.mongo.Document,
        })
        .explain();
      const text = JSON.stringify(plan);
      expect({ filter, plan: /Seq Scan|COLLSCAN/.test(text) ? text.slice(0, 400) : 'index' }).toEqual({ filter, plan: 'index' });
      expect(hints.has(JSON.stringify(options.hint)) || JSON.stringify(options.hint) === '{"_id":1}').toBe(true);
    }
  }, 60_000);
});
