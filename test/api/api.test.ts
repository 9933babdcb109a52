import { termsFor } from '@newsline/search';
import { Types } from 'mongoose';
import { gql, KEYS, startStack, type Stack } from './harness';

let s: Stack;
const reader = { 'x-api-key': KEYS.reader };
const admin = { 'x-api-key': KEYS.admin };
const T0 = Date.parse('2026-01-01T00:00:00Z');
let src: { en: string; ja: string; ru: string };

const ARTICLES: { lang: 'en' | 'ja' | 'ru'; title: string; section: string }[] = [
  { lang: 'en', title: 'Parliament elects a new speaker after long debate', section: 'politics' },
  { lang: 'en', title: 'Floods close roads across the north', section: 'weather' },
  { lang: 'ja', title: '東京都庁で記者会見、大雨の影響について', section: 'weather' },
  { lang: 'ja', title: '大阪で新しい駅が開業', section: 'local' },
  { lang: 'ru', title: 'Выборы мэра Москвы назначены на сентябрь', section: 'politics' },
  { lang: 'ru', title: 'В Петербурге открылся новый мост', section: 'local' },
];

async function seed(): Promise<void> {
  const mk = async (key: string, country: string, lang: string) =>
    String(
      (
        await s.store.Source.create({
          name: `${key} news`,
          key,
          homepage: `https://${key}.example/`,
          country,
          languages: [lang],
          attribution: `© ${key}`,
        })
      )._id,
    );
  src = { en: await mk('en-daily', 'GB', 'en'), ja: await mk('ja-shimbun', 'JP', 'ja'), ru: await mk('ru-vesti', 'RU', 'ru') };
  const docs = [];
  // 120 articles; every pair shares a publishedAt so cursor ties on the time are exercised.
  for (let i = 0; i < 120; i++) {
    const a = ARTICLES[i % ARTICLES.length]!;
    const title = i < ARTICLES.length ? a.title : `${a.title} (${i})`;
    const url = `https://${a.lang}.example/a/${i}`;
    docs.push({
      urlKey: `${a.lang}.example/a/${i}`,
      url,
      sourceUrl: url,
      attribution: `© ${a.lang}`,
      sourceId: new Types.ObjectId(src[a.lang]),
      country: { en: 'GB', ja: 'JP', ru: 'RU' }[a.lang],
      title,
      language: a.lang,
      section: a.section,
      publishedAt: new Date(T0 + Math.floor(i / 2) * 60_000),
      storyId: i % ARTICLES.length === 0 ? 'story-speaker' : undefined,
      terms: termsFor({ title, language: a.lang }),
    });
  }
  await s.store.Article.insertMany(docs);
}

beforeAll(async () => {
  s = await startStack('api');
  await seed();
}, 60_000);
afterAll(() => s?.stop());

const HEADLINES = `query($filter: HeadlineFilter, $first: Int!, $after: String) {
  headlines(filter: $filter, first: $first, after: $after) { edges { cursor node { id title publishedAt language } } pageInfo { hasNextPage endCursor } }
}`;

type Page = {
  headlines: {
    edges: { cursor: string; node: { id: string; title: string; publishedAt: string; language: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

async function all(filter: Record<string, unknown> = {}, first = 25): Promise<Page['headlines']['edges'][number]['node'][]> {
  const out = [];
  let after: string | null = null;
  for (;;) {
    const r: Awaited<ReturnType<typeof gql<Page>>> = await gql<Page>(s.gatewayUrl, HEADLINES, { filter, first, after }, reader);
    expect(r.errors).toBeUndefined();
    out.push(...r.data!.headlines.edges.map((e) => e.node));
    if (!r.data!.headlines.pageInfo.hasNextPage) return out;
    after = r.data!.headlines.pageInfo.endCursor;
  }
}

describe('headlines', () => {
  it('pages newest first with no duplicates or gaps, stable across inserts', async () => {
    const nodes = await all({}, 25);
    expect(nodes).toHaveLength(120);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(120);
    const times = nodes.map((n) => Date.parse(n.publishedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // A cursor taken before a newer article arrives still continues exactly where it left off.
    const first = await gql<Page>(s.gatewayUrl, HEADLINES, { first: 10 }, reader);
    const created = await s.store.Article.create({
      urlKey: 'en.example/new',
      url: 'https://en.example/new',
      sourceUrl: 'https://en.example/new',
      attribution: 'x',
      sourceId: new Types.ObjectId(src.en),
      title: 'Newest',
      publishedAt: new Date(T0 + 10 * 86_400_000),
      language: 'en',
    });
    const next = await gql<Page>(s.gatewayUrl, HEADLINES, { first: 10, after: first.data!.headlines.pageInfo.endCursor }, reader);
    expect(next.data!.headlines.edges.map((e) => e.node.id)).toEqual(nodes.slice(10, 20).map((n) => n.id));
    await s.store.Article.deleteOne({ urlKey: 'en.example/new' });
    // What the articles subgraph does on the headline.removed event every deleting worker publishes.
    s.articles.window?.remove(String(created._id));
  });

  it('filters by source, language, country, section and time range', async () => {
    expect((await all({ sourceIds: [src.ja] })).every((n) => n.language === 'ja')).toBe(true);
    expect(await all({ sourceIds: [src.ja] })).toHaveLength(40);
    expect(await all({ languages: ['ru', 'en'] })).toHaveLength(80);
    expect(await all({ countries: ['jp'] })).toHaveLength(40);
    expect(await all({ section: 'politics' })).toHaveLength(40);
    const from = new Date(T0 + 10 * 60_000).toISOString();
    const to = new Date(T0 + 20 * 60_000).toISOString();
    const ranged = await all({ from, to });
    expect(ranged).toHaveLength(20);
    expect(ranged.every((n) => n.publishedAt >= from && n.publishedAt < to)).toBe(true);
    expect(await all({ languages: ['en'], query: 'floods' })).toHaveLength(20);
  });

  it('rejects a malformed cursor and an oversized page with BAD_USER_INPUT', async () => {
    const r = await gql(s.gatewayUrl, HEADLINES, { first: 5, after: 'nope' }, reader);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await gql(s.gatewayUrl, HEADLINES, { first: 1000 }, reader);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('search', () => {
  const SEARCH = `query($q: String!, $filter: HeadlineFilter) { search(query: $q, filter: $filter, first: 100) { edges { node { title language } } } }`;
  type R = { search: { edges: { node: { title: string; language: string } }[] } };
  const titles = async (q: string, filter?: object) => {
    const r = await gql<R>(s.gatewayUrl, SEARCH, { q, filter }, reader);
    expect(r.errors).toBeUndefined();
    return r.data!.search.edges.map((e) => e.node.title);
  };

  it('English: stemmed, every word must match', async () => {
    expect((await titles('elected speakers')).every((t) => t.startsWith('Parliament'))).toBe(true);
    expect(await titles('elected speakers')).toHaveLength(20);
    expect(await titles('speaker floods')).toHaveLength(0);
  });
  it('Japanese: bigrams match inside longer words', async () => {
    const t = await titles('東京');
    expect(t).toHaveLength(20);
    expect(t.every((x) => x.includes('東京都庁'))).toBe(true);
    expect(await titles('大雨の影響')).toHaveLength(20);
  });
  it('Russian: other grammatical cases match', async () => {
    const t = await titles('выборах в Москве');
    expect(t).toHaveLength(20);
    expect(t.every((x) => x.startsWith('Выборы'))).toBe(true);
  });
  it('combines with filters', async () => {
    expect(await titles('floods', { section: 'politics' })).toHaveLength(0);
  });
});

describe('federation', () => {
  it('resolves headline → source name across subgraphs, and stories', async () => {
    const r = await gql<{
      headlines: {
        edges: {
          node: { source: { id: string; name: string; country: string }; story: { id: string; articles: { id: string }[] } | null };
        }[];
      };
    }>(s.gatewayUrl, `{ headlines(first: 6) { edges { node { source { id name country } story { id articles { id } } } } } }`, {}, reader);
    expect(r.errors).toBeUndefined();
    const names = new Set(r.data!.headlines.edges.map((e) => e.node.source.name));
    expect(names).toEqual(new Set(['en-daily news', 'ja-shimbun news', 'ru-vesti news']));
    const story = r.data!.headlines.edges.map((e) => e.node.story).find(Boolean);
    expect(story?.id).toBe('story-speaker');
    expect(story?.articles).toHaveLength(20);
  });

  it('loads the sources of a 50-headline page in a bounded number of Mongo queries (no N+1)', async () => {
    const ops: string[] = [];
    s.store.conn.set('debug', (coll: string, method: string) => ops.push(`${coll}.${method}`));
    try {
      const r = await gql<{ headlines: { edges: { node: { source: { name: string; feeds: { url: string }[] } } }[] } }>(
        s.gatewayUrl,
        `{ headlines(first: 50) { edges { node { title source { name health { status } feeds { url } } } } } }`,
        {},
        reader,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data!.headlines.edges).toHaveLength(50);
    } finally {
      s.store.conn.set('debug', false);
    }
    // At most one page query (none when the recent-articles window holds the page), one batched
    // source lookup, one batched feeds lookup.
    expect(ops.filter((o) => o.startsWith('articles.')).length).toBeLessThanOrEqual(1);
    expect(ops.filter((o) => o.startsWith('sources.'))).toHaveLength(1);
    expect(ops.filter((o) => o.startsWith('feeds.'))).toHaveLength(1);
  });
});

describe('auth', () => {
  it('anonymous callers read with the anonymous role; admin queries need admin', async () => {
    const anon = await gql(s.gatewayUrl, `{ headlines(first: 1) { edges { cursor } } }`);
    expect(anon.errors).toBeUndefined();
    const noKey = await gql(s.gatewayUrl, `{ takedownRequests { id } }`);
    expect(noKey.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const wrongRole = await gql(s.gatewayUrl, `{ takedownRequests { id } }`, {}, reader);
    expect(wrongRole.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const ok = await gql(s.gatewayUrl, `{ takedownRequests { id } }`, {}, admin);
    expect(ok.errors).toBeUndefined();
  });
  it('rejects a bad API key and a bad JWT with UNAUTHENTICATED (401)', async () => {
    const bad = await gql(s.gatewayUrl, `{ headlines(first: 1) { edges { cursor } } }`, {}, { 'x-api-key': 'wrong-key-wrong' });
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const jwt = await gql(s.gatewayUrl, `{ headlines(first: 1) { edges { cursor } } }`, {}, { authorization: 'Bearer not.a.jwt' });
    expect(jwt.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
  it('accepts an HS256 JWT with a role claim', async () => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ops')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(s.config.JWT_SECRET));
    const r = await gql(s.gatewayUrl, `{ takedownRequests { id } }`, {}, { authorization: `Bearer ${token}` });
    expect(r.errors).toBeUndefined();
  });
  it('subgraphs refuse calls without a valid gateway signature', async () => {
    const direct = await gql(
      s.urls.articles,
      `{ headlines(first: 1) { edges { cursor } } }`,
      {},
      { 'x-newsline-identity': 'forged.signature' },
    );
    expect(direct.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('limits', () => {
  it('rejects a too-deep query', async () => {
    let inner = 'id';
    for (let i = 0; i < 6; i++) inner = `story { articles { ${inner} } }`;
    const deep = `{ headlines(first: 1) { edges { node { ${inner} } } } }`;
    const r = await gql(s.gatewayUrl, deep, {}, reader);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.message).toMatch(/depth/i);
  });
  it('rejects a too-costly query', async () => {
    // Within the token, alias and depth limits, but every level of nesting multiplies the cost.
    const f = 'id title url summary body';
    const chain = `story { id articles { ${f} story { id articles { ${f} story { id articles { ${f} story { id } } } } } } }`;
    const fields = Array.from({ length: 25 }, (_, i) => `a${i}: headlines(first: 1) { edges { node { ${f} ${chain} } } }`).join(' ');
    const r = await gql(s.gatewayUrl, `{ ${fields} }`, {}, reader);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.message).toMatch(/cost/i);
  });
  it('stops an oversized document at parse time (token budget) and too many aliases', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => `a${i}: headlines(first: 1) { edges { cursor } }`).join(' ');
    let r = await gql(s.gatewayUrl, `{ ${many} }`, {}, reader);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.message).toMatch(/token limit/i);
    expect(r.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
    const aliases = Array.from({ length: 40 }, (_, i) => `t${i}: title`).join(' ');
    r = await gql(s.gatewayUrl, `{ headlines(first: 1) { edges { node { ${aliases} } } } }`, {}, reader);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.message).toMatch(/aliases/i);
  });
  it('caps the request body', async () => {
    const res = await fetch(s.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
  });
  it('serves Prometheus metrics', async () => {
    const text = await (await fetch(s.gatewayUrl.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/newsline_gateway_requests_total\{status="200"\} \d+/);
    expect(text).toMatch(/newsline_gateway_request_duration_seconds_bucket/);
    expect(text).toMatch(/newsline_gateway_active_subscriptions \d+/);
  });
});

describe('sources admin', () => {
  const OPML = `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
    <outline text="News"><outline text="Alpha" title="Alpha" type="rss" xmlUrl="https://alpha.example/feed.xml" htmlUrl="https://alpha.example/"/>
    <outline text="Alpha 2" type="rss" xmlUrl="https://alpha.example/world.xml" htmlUrl="https://alpha.example/"/></outline>
    <outline text="Beta" type="rss" xmlUrl="https://beta.example/rss" htmlUrl="https://beta.example/"/>
    <outline text="Broken" type="rss" xmlUrl="not a url"/></body></opml>`;
  const IMPORT = `mutation($o: String!) { importOpml(opml: $o) { sourcesCreated feedsCreated skipped errors } }`;

  it('imports OPML idempotently', async () => {
    const first = await gql<{ importOpml: { sourcesCreated: number; feedsCreated: number; skipped: number; errors: string[] } }>(
      s.gatewayUrl,
      IMPORT,
      { o: OPML },
      admin,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.importOpml).toMatchObject({ sourcesCreated: 2, feedsCreated: 3, skipped: 0 });
    expect(first.data!.importOpml.errors).toHaveLength(1);
    const again = await gql<{ importOpml: object }>(s.gatewayUrl, IMPORT, { o: OPML }, admin);
    expect(again.data!.importOpml).toMatchObject({ sourcesCreated: 0, feedsCreated: 0, skipped: 3 });
    const alpha = await s.store.Source.findOne({ key: 'alpha-example' }).lean();
    expect(alpha?.counts?.feeds).toBe(2);
  });
  it('needs admin to import', async () => {
    const r = await gql(s.gatewayUrl, IMPORT, { o: OPML }, reader);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
  it('adds, updates and pauses a source', async () => {
    const add = await gql<{ addSource: { id: string; key: string; counts: { feeds: number } } }>(
      s.gatewayUrl,
      `mutation { addSource(input: { name: "Gamma", homepage: "https://www.gamma.example/", feeds: ["https://gamma.example/rss"] }) { id key counts { feeds } } }`,
      {},
      admin,
    );
    expect(add.errors).toBeUndefined();
    expect(add.data!.addSource).toMatchObject({ key: 'gamma-example', counts: { feeds: 1 } });
    const id = add.data!.addSource.id;
    const upd = await gql<{ updateSource: { name: string } }>(
      s.gatewayUrl,
      `mutation($id: ID!) { updateSource(id: $id, input: { name: "Gamma Times" }) { name } }`,
      { id },
      admin,
    );
    expect(upd.data!.updateSource.name).toBe('Gamma Times');
    const pause = await gql<{ pauseSource: { paused: boolean; health: { status: string } } }>(
      s.gatewayUrl,
      `mutation($id: ID!) { pauseSource(id: $id, paused: true) { paused health { status } } }`,
      { id },
      { 'x-api-key': KEYS.editor },
    );
    expect(pause.data!.pauseSource).toEqual({ paused: true, health: { status: 'paused' } });
  });
});

describe('takedowns', () => {
  const SUBMIT = `mutation($i: TakedownInput!) { submitTakedown(input: $i) { request { id status scope { kind value } deadline } } }`;
  const valid = {
    scope: { kind: 'URL', value: 'https://en.example/a/1' },
    reason: 'COPYRIGHT',
    relation: 'PUBLISHER',
    requester: { name: 'Ann Editor', email: 'ann@en.example' },
    statement: 'This article is ours and was copied without a licence.',
  };

  it('is public and stores an unconfirmed request (no effect until the address is proven)', async () => {
    const r = await gql<{ submitTakedown: { request: { id: string; status: string; deadline: string } } }>(s.gatewayUrl, SUBMIT, {
      i: valid,
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.submitTakedown.request.status).toBe('UNCONFIRMED');
    const list = await gql<{ takedownRequests: { id: string }[] }>(
      s.gatewayUrl,
      `{ takedownRequests(status: UNCONFIRMED) { id } }`,
      {},
      admin,
    );
    expect(list.data!.takedownRequests.map((t) => t.id)).toContain(r.data!.submitTakedown.request.id);
  });
  it('validates input and lists every problem', async () => {
    const r = await gql(s.gatewayUrl, SUBMIT, {
      i: { ...valid, scope: { kind: 'DOMAIN', value: 'not a domain' }, requester: { name: 'A', email: 'nope' }, statement: 'short' },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/scope.value.*requester.email.*statement/);
    const bad = await gql(s.gatewayUrl, SUBMIT, { i: { ...valid, reason: 'BECAUSE' } });
    expect(bad.errors?.length).toBeGreaterThan(0);
  });
});
