import { loadConfig } from '@newsline/config';
import { Types } from 'mongoose';
import { performance } from 'node:perf_hooks';
import { gql, KEYS, startStack, type Stack } from './harness';

// Hostile GraphQL through the gateway: every attack gets a typed error (never a 500) within a
// second, other clients keep being served meanwhile, and Mongo operators or regex syntax smuggled
// into arguments are inert.
let s: Stack;
const reader = { 'x-api-key': KEYS.reader };
const TITLES = ['Harbour reopens after storm', 'Election results announced', 'New bridge opens downtown'];

beforeAll(async () => {
  s = await startStack('hostile', { GATEWAY_INTROSPECTION: 'false', GATEWAY_RATE_LIMIT_PER_MIN: '100000' });
  const src = await s.store.Source.create({ name: 'Hostile Times', key: 'hostile', homepage: 'https://h.example/', attribution: '© H' });
  await s.store.Article.insertMany(
    TITLES.map((title, i) => ({
      urlKey: `h.example/${i}`,
      url: `https://h.example/${i}`,
      sourceUrl: `https://h.example/${i}`,
      attribution: '© H',
      sourceId: new Types.ObjectId(String(src._id)),
      title,
      language: 'en',
      section: 'news',
      publishedAt: new Date(Date.UTC(2026, 0, 1, i)),
      terms: [],
    })),
  );
}, 60_000);
afterAll(() => s?.stop());

interface Raw {
  status: number;
  ms: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
  text: string;
}

async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<Raw> {
  const t0 = performance.now();
  const res = await fetch(s.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...reader, ...headers }, body });
  const text = await res.text();
  let json: Raw['body'];
  try {
    json = JSON.parse(text) as Raw['body'];
  } catch {
    json = undefined;
  }
  return { status: res.status, ms: performance.now() - t0, body: json, text };
}

const q = (query: string, variables: object = {}) => JSON.stringify({ query, variables });

function expectTypedError(r: Raw, code?: string | RegExp): void {
  expect(r.status).toBeLessThan(500);
  expect(r.body?.data ?? null).toBeNull();
  const e = r.body?.errors?.[0];
  expect(e?.message).toEqual(expect.any(String));
  if (typeof e?.extensions?.code !== 'string') throw new Error(`untyped error (${r.status}): ${r.text.slice(0, 400)}`);
  if (code) expect(e!.extensions!.code).toMatch(code);
  expect(r.ms).toBeLessThan(1000);
}

const PAGE = `query($filter: HeadlineFilter) { headlines(filter: $filter, first: 10) { edges { node { title } } } }`;
const SEARCH = `query($q: String!, $filter: HeadlineFilter) { search(query: $q, filter: $filter, first: 10) { edges { node { title } } } }`;
type Titles = { headlines?: { edges: { node: { title: string } }[] }; search?: { edges: { node: { title: string } }[] } };

describe('hostile documents and bodies', () => {
  let nested = 'id';
  for (let i = 0; i < 40; i++) nested = `story { articles { ${nested} } }`;
  const ATTACKS: [string, () => Promise<Raw>, (r: Raw) => void][] = [
    ['deep query', () => post(q(`{ headlines(first: 1) { edges { node { ${nested} } } } }`)), (r) => expectTypedError(r)],
    [
      'wide query (200 root fields of 100 nodes)',
      () =>
        post(
          q(`{ ${Array.from({ length: 200 }, (_, i) => `f${i}: headlines(first: 100) { edges { node { title url body } } }`).join(' ')} }`),
        ),
      (r) => expectTypedError(r),
    ],
    [
      'alias bomb (5000 aliases under one node)',
      () => post(q(`{ headlines(first: 100) { edges { node { ${Array.from({ length: 5000 }, (_, i) => `a${i}: title`).join(' ')} } } } }`)),
      (r) => expectTypedError(r),
    ],
    [
      'batched operations',
      () => post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }])),
      (r) => expectTypedError(r),
    ],
    ['introspection (disabled)', () => post(q('{ __schema { types { name fields { name } } } }')), (r) => expectTypedError(r)],
    ['malformed JSON', () => post('{"query": "{ __typename }", "variables": {'), (r) => expectTypedError(r)],
    ['JSON that is not an object', () => post('"just a string"'), (r) => expectTypedError(r)],
    ['no document', () => post(JSON.stringify({ variables: {} })), (r) => expectTypedError(r)],
    ['unparsable document', () => post(q('{ headlines(first: ')), (r) => expectTypedError(r)],
    [
      'oversize body',
      () => post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(300_000) } })),
      (r) => expectTypedError(r, 'PAYLOAD_TOO_LARGE'),
    ],
    [
      'huge variables within the body cap (10 000 languages)',
      () => post(q(PAGE, { filter: { languages: Array.from({ length: 10_000 }, (_, i) => `l${i}`) } })),
      (r) => expectTypedError(r, 'BAD_USER_INPUT'),
    ],
    [
      'megabyte-scale search text within the body cap',
      () => post(q(SEARCH, { q: 'word '.repeat(15_000) })),
      (r) => expectTypedError(r, 'BAD_USER_INPUT'),
    ],
    [
      'variables of the wrong shape (object where an Int is expected)',
      () => post(q(`query($n: Int!) { headlines(first: $n) { edges { cursor } } }`, { n: { $gt: 0 } })),
      (r) => expectTypedError(r),
    ],
  ];

  it.each(ATTACKS.map(([name, send, check]) => ({ name, send, check })))('$name → typed error within 1 s', async ({ send, check }) => {
    check(await send());
  });

  it('keeps serving another client while every attack runs at once, repeatedly', async () => {
    let stop = false;
    const latencies: number[] = [];
    const failures: string[] = [];
    const other = (async () => {
      while (!stop) {
        const t0 = performance.now();
        const r = await gql<Titles>(s.gatewayUrl, PAGE, {}, { 'x-api-key': KEYS.editor });
        latencies.push(performance.now() - t0);
        if (r.errors || r.data?.headlines?.edges.length !== 3) failures.push(JSON.stringify(r));
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(ATTACKS.flatMap(([, send]) => [send(), send()]));
        for (const r of results) expect(r.status).toBeLessThan(500);
      }
    } finally {
      stop = true;
      await other;
    }
    expect(failures).toEqual([]);
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('still allows introspection of __typename and real queries with introspection disabled', async () => {
    const r = await gql<Titles>(s.gatewayUrl, PAGE, {}, reader);
    expect(r.errors).toBeUndefined();
    expect(r.data!.headlines!.edges.map((e) => e.node.title).sort()).toEqual([...TITLES].sort());
  });

  it('GATEWAY_INTROSPECTION parses as a tri-state flag', () => {
    const env = { MONGO_URL: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1' };
    expect(loadConfig(env).GATEWAY_INTROSPECTION).toBeUndefined();
    expect(loadConfig({ ...env, GATEWAY_INTROSPECTION: 'true' }).GATEWAY_INTROSPECTION).toBe(true);
    expect(loadConfig({ ...env, GATEWAY_INTROSPECTION: '0' }).GATEWAY_INTROSPECTION).toBe(false);
  });
});

describe('operator injection and regex DoS', () => {
  const OPERATORS = [{ $gt: '' }, { $ne: null }, { $regex: '.*' }, { $where: 'return true' }, { $exists: true }];

  it.each(OPERATORS)('refuses %j where strings or ids are expected in filters', async (op) => {
    for (const filter of [{ section: op }, { languages: [op] }, { countries: op }, { sourceIds: [op] }, { query: op }, { from: op }]) {
      const r = await post(q(PAGE, { filter }));
      expectTypedError(r, 'BAD_USER_INPUT');
    }
    expectTypedError(await post(q(SEARCH, { q: op })), 'BAD_USER_INPUT');
    expectTypedError(await post(q(`query($id: ID!) { article(id: $id) { title } }`, { id: op })), 'BAD_USER_INPUT');
  });

  it('treats operator-looking strings as plain values: no match-all', async () => {
    for (const v of ['$gt', '{"$gt": ""}', '$where', '.*']) {
      const r = await gql<Titles>(s.gatewayUrl, PAGE, { filter: { section: v, languages: [v] } }, reader);
      expect(r.errors).toBeUndefined();
      expect(r.data!.headlines!.edges).toEqual([]);
    }
    const byId = await gql<{ article: null }>(s.gatewayUrl, `{ article(id: "{\\"$gt\\": \\"\\"}") { title } }`, {}, reader);
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.article).toBeNull();
  });

  it('refuses operators in mutation inputs and stores nothing', async () => {
    const SUBMIT = `mutation($i: TakedownInput!) { submitTakedown(input: $i) { request { id } } }`;
    const valid = {
      scope: { kind: 'URL', value: 'https://h.example/0' },
      reason: 'COPYRIGHT',
      relation: 'PUBLISHER',
      requester: { name: 'Ann Editor', email: 'ann@h.example' },
      statement: 'This article is ours and was copied without a licence.',
    };
    const before = await s.store.conn.collection('takedown_requests').countDocuments();
    for (const input of [
      { ...valid, requester: { name: 'Ann', email: { $gt: '' } } },
      { ...valid, scope: { kind: 'URL', value: { $ne: null } } },
      { ...valid, statement: { $where: 'sleep(1000)' } },
    ]) {
      expectTypedError(await post(q(SUBMIT, { i: input }), { 'x-api-key': KEYS.admin }), 'BAD_USER_INPUT');
    }
    expect(await s.store.conn.collection('takedown_requests').countDocuments()).toBe(before);
  });

  it.each(['.*', '^.*$', '(a+)+$', '(.*a){25}', `${'a'.repeat(499)}!`, '[\\s\\S]*', '\\', '*', '?'])(
    'search %# for regex syntax answers fast with no match-all',
    async (text) => {
      const t0 = performance.now();
      const r = await gql<Titles>(s.gatewayUrl, SEARCH, { q: text }, reader);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(r.status).toBeLessThan(500);
      expect(r.errors).toBeUndefined();
      expect(r.data!.search!.edges).toEqual([]);
      const f = await gql<Titles>(s.gatewayUrl, PAGE, { filter: { query: text } }, reader);
      expect(f.errors).toBeUndefined();
      expect(f.data!.headlines!.edges).toEqual([]);
    },
  );
});
