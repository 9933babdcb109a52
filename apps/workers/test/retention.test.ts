import { testServices } from '@newsline/embedded-stack';
import { createStore, tombstoneModel, type Store } from '@newsline/store';
import { Types } from 'mongoose';
import { applyRetention } from '../src/retention';

const DAY = 86_400_000;
let store: Store;
const now = new Date('2026-06-01T12:00:00Z');

beforeAll(async () => {
  store = await createStore(testServices('retention').mongoUrl);
  await store.ensureIndexes();
});
afterAll(async () => {
  await store.conn.dropDatabase();
  await store.close();
});

async function seed(ages: number[]): Promise<Types.ObjectId[]> {
  const docs = ages.map((days, i) => ({
    _id: new Types.ObjectId(),
    urlKey: `r.example/${days}/${i}`,
    url: `https://r.example/${days}/${i}`,
    sourceUrl: `https://r.example/${days}/${i}`,
    attribution: '© R',
    sourceId: new Types.ObjectId(),
    title: `Aged ${days} days`,
    summary: 'a summary',
    body: '<p>the body</p>',
    text: 'the body',
    publishedAt: new Date(now.getTime() - days * DAY),
  }));
  await store.Article.collection.insertMany(docs);
  return docs.map((d) => d._id);
}

describe('retention', () => {
  it('drops old bodies and deletes older articles, keeps the rest and every tombstone, and is idempotent', async () => {
    // 1,200 articles 40 days old: more than one batch in one day's window.
    const ages = [1, 5, 29, ...Array.from({ length: 1200 }, () => 40), 200, 400];
    const ids = await seed(ages);
    await tombstoneModel(store.conn).create({ _id: 'DOMAIN:r.example', kind: 'DOMAIN', key: 'r.example' });
    const policy = { bodyDays: 30, deleteDays: 365 };

    const first = await applyRetention({ store, policy, now });
    expect(first).toEqual({ deleted: 1, bodiesDropped: 1201 });
    const left = await store.Article.find({}, { publishedAt: 1, body: 1, text: 1, title: 1, summary: 1, url: 1, attribution: 1 }).lean();
    expect(left).toHaveLength(ages.length - 1);
    expect(left.some((a) => String(a._id) === String(ids.at(-1)))).toBe(false); // 400 days: deleted
    for (const a of left) {
      const days = (now.getTime() - a.publishedAt.getTime()) / DAY;
      expect([days, a.body !== undefined, a.text !== undefined]).toEqual([days, days < 30, days < 30]);
      expect(a.title && a.summary && a.url && a.attribution).toBeTruthy(); // the headline stays
    }
    expect(await tombstoneModel(store.conn).countDocuments()).toBe(1);

    // Nothing new is due: a second run changes nothing.
    expect(await applyRetention({ store, policy, now })).toEqual({ deleted: 0, bodiesDropped: 0 });
    // A day later the 29-day-old article's body is due, and only it.
    expect(await applyRetention({ store, policy, now: new Date(now.getTime() + 1.5 * DAY) })).toEqual({ deleted: 0, bodiesDropped: 1 });
  }, 60_000);
});
