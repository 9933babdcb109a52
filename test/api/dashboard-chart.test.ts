import { Types } from 'mongoose';
import { loadRecent, PAGE, type Gql } from '../../apps/dashboard/web/src/recent';
import { gql, KEYS, startStack, type Stack } from './harness';

// The dashboard's "articles per hour" chart against the real gateway. It used to ask for
// `first: 200` (the API's max page is 100), swallow the error and say "no articles in the last 24 h".
let s: Stack;
const reader = { 'x-api-key': KEYS.reader };
const N = 150;

// The dashboard's gql() contract: data, or a thrown error with the API's message.
const client: Gql = async <T>(query: string, variables: Record<string, unknown>) => {
  const r = await gql<T>(s.gatewayUrl, query, variables, reader);
  if (r.errors?.length) throw new Error(r.errors[0]!.message);
  return r.data!;
};

beforeAll(async () => {
  s = await startStack('chart');
  const src = await s.store.Source.create({ name: 'Chart', key: 'chart', homepage: 'https://chart.example/', languages: ['en'], attribution: '© chart' });
  const now = Date.now();
  await s.store.Article.insertMany(
    Array.from({ length: N }, (_, i) => ({
      urlKey: `chart.example/a/${i}`,
      url: `https://chart.example/a/${i}`,
      sourceUrl: `https://chart.example/a/${i}`,
      attribution: '© chart',
      sourceId: new Types.ObjectId(String(src._id)),
      title: `Chart headline ${i}`,
      language: 'en',
      publishedAt: new Date(now - i * 5 * 60_000), // all within the last 13 h
    })),
  );
}, 60_000);
afterAll(() => s?.stop());

test('the old chart query (first: 200) is an API error, not an empty day', async () => {
  const r = await gql(s.gatewayUrl, `{ headlines(first: ${PAGE * 2}) { edges { cursor } } }`, {}, reader);
  expect(r.errors?.length).toBeGreaterThan(0);
});

test('the chart loader pages within the limit and gets every headline of the last 24 h', async () => {
  const r = await loadRecent<{ id: string; title: string }>(client, 'id title', {}, new Date(Date.now() - 24 * 3_600_000));
  expect(r.truncated).toBe(false);
  expect(r.items).toHaveLength(N);
  expect(new Set(r.items.map((h) => h.id)).size).toBe(N);
});

test('an API error reaches the chart instead of being swallowed', async () => {
  await expect(loadRecent(client, 'id noSuchField', {}, new Date(Date.now() - 3_600_000))).rejects.toThrow(/noSuchField/);
});
