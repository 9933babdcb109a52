import { parseArgs } from 'node:util';
import { domainsOf } from '@newsline/domain';
import { termsFor } from '@newsline/search';
import type { Store } from '@newsline/store';
import { encodeCursor } from '@newsline/subgraph';
import { findScopeMatches } from '@newsline/takedowns';
import { Types } from 'mongoose';
import { percentile, round } from './load';
import { startBenchStack } from './stack';

/**
 * `npm run bench -- archive [--articles N] [--requests R] [--window W] [--fresh] [--json]`: seeds N realistic articles
 * (2 KB bodies, 200 sources, 8 languages, sections, stories) and measures the API's query shapes
 * through the gateway with its response cache off, R requests each: p50/p99 per shape, the seed
 * rate and the store's size. The database is kept and reused by a later run with the same N
 * (`--fresh` seeds anew), so a million-article run seeds once.
 */
const LANGS = ['en', 'ja', 'ru', 'de', 'fr', 'es', 'ar', 'zh'] as const;
const COUNTRY: Record<string, string> = { en: 'GB', ja: 'JP', ru: 'RU', de: 'DE', fr: 'FR', es: 'ES', ar: 'EG', zh: 'CN' };
const SECTIONS = ['politics', 'weather', 'local', 'sport', 'business', 'culture'] as const;
const SOURCES = 200;

const STEP_MS = 20_000;
/** A word in about a third of all articles (the common-word search). */
const COMMON = 'harbour';
const VOCAB = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}x`);

/** The archive ends now: article i of n is published at t0 + i * STEP_MS (seeded on the day it is made). */
let archiveStart: number | undefined;
function t0Of(n: number): number {
  archiveStart ??= Date.now() - n * STEP_MS;
  return archiveStart;
}

/** Deterministic pseudo-random numbers: the same N seeds the same archive. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

function articleDoc(i: number, sourceIds: Types.ObjectId[], t0: number) {
  const r = rng(i + 1);
  const s = i % SOURCES;
  const lang = LANGS[s % LANGS.length]!;
  const words: string[] = [];
  // Zipf-like: low vocabulary ranks far more often; ~320 words ≈ 2 KB of body.
  for (let k = 0; k < 320; k++) words.push(VOCAB[Math.floor(VOCAB.length * r() ** 3)]!);
  if (i % 3 === 0) words.splice(40, 0, COMMON);
  words.splice(80, 0, `rare${i.toString(36)}`);
  const text = words.join(' ');
  const title = `Headline ${i} ${words.slice(0, 6).join(' ')}`;
  const url = `https://news.s${s}.example/${SECTIONS[i % SECTIONS.length]}/${i}`;
  return {
    _id: new Types.ObjectId(),
    urlKey: url.slice('https://'.length),
    url,
    domains: domainsOf(url),
    sourceUrl: url,
    attribution: `© Source ${s}`,
    sourceId: sourceIds[s]!,
    country: COUNTRY[lang],
    title,
    summary: words.slice(0, 30).join(' '),
    body: `<p>${text}</p>`,
    text,
    authors: [`Author ${i % 977}`],
    publishedAt: new Date(t0 + i * STEP_MS),
    language: lang,
    section: SECTIONS[Math.floor(i / SOURCES) % SECTIONS.length],
    storyId: `story-${Math.floor(i / 4)}`,
    terms: termsFor({ title, text, language: 'en' }),
    extraction: { status: 'ok', attempts: 1, at: new Date(t0 + i * STEP_MS) },
    version: 1,
    createdAt: new Date(t0 + i * STEP_MS),
    updatedAt: new Date(t0 + i * STEP_MS),
  };
}

async function seedArchive(store: Store, n: number, log: (m: string) => void): Promise<{ sourceIds: string[]; perSec: number | null }> {
  const existing = await store.Article.estimatedDocumentCount();
  const sources = await store.Source.find({}, { _id: 1 }).sort({ key: 1 }).lean();
  if (existing === n && sources.length === SOURCES) {
    log(`reusing the seeded archive of ${n} articles`);
    const oldest = await store.Article.findOne({ urlKey: `news.s0.example/${SECTIONS[0]}/0` }, { publishedAt: 1 }).lean();
    archiveStart = oldest!.publishedAt.getTime();
    return { sourceIds: sources.map((s) => String(s._id)), perSec: null };
  }
  await store.Article.deleteMany({});
  await store.Source.deleteMany({});
  const srcs = await store.Source.insertMany(
    Array.from({ length: SOURCES }, (_, i) => ({
      name: `Archive Source ${i}`,
      key: `archive-source-${String(i).padStart(3, '0')}`,
      homepage: `https://news.s${i}.example/`,
      country: COUNTRY[LANGS[i % LANGS.length]!],
      languages: [LANGS[i % LANGS.length]!],
      attribution: `© Source ${i}`,
    })),
  );
  const ids = srcs.map((s) => s._id as Types.ObjectId);
  // A bulk load without secondary indexes, then one build each: a RUM index takes a document's
  // ~260 search terms one insertion at a time (about 80 articles/s here), a build sorts them.
  await store.Article.collection.dropIndexes();
  const t0 = Date.now();
  const BATCH = 1000;
  let done = 0;
  let next = 0;
  // Two writers: the database has two cores.
  const writer = async () => {
    for (;;) {
      const from = next;
      if (from >= n) return;
      next += BATCH;
      const docs = [];
      for (let i = from; i < Math.min(n, from + BATCH); i++) docs.push(articleDoc(i, ids, t0Of(n)));
      await store.Article.collection.insertMany(docs, { ordered: false });
      done += docs.length;
      if (done % 50_000 < BATCH) log(`seeded ${done}/${n} (${Math.round(done / ((Date.now() - t0) / 1000))}/s)`);
    }
  };
  await Promise.all([writer(), writer()]);
  log(`seeded ${n} articles; building the indexes`);
  await store.ensureIndexes();
  return { sourceIds: ids.map(String), perSec: round(n / ((Date.now() - t0) / 1000), 0) };
}

async function gql(url: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: { message: string }[] };
  if (!res.ok || body.errors?.length || !body.data) throw new Error(`${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body.data;
}

const PAGE = `query($f: HeadlineFilter, $after: String) { headlines(filter: $f, first: 20, after: $after) { edges { node { id title publishedAt source { id name } } } pageInfo { endCursor } } }`;
const SEARCH = `query($q: String!) { search(query: $q, first: 20) { edges { node { id title publishedAt } } } }`;
const STORY = `query($id: ID!) { story(id: $id) { articles { id title } } }`;
const ARTICLE = `query($id: ID!) { article(id: $id) { id title body attribution sourceUrl } }`;

export async function runArchiveBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      articles: { type: 'string', default: '100000' },
      requests: { type: 'string', default: '100' },
      fresh: { type: 'boolean', default: false },
      /** ARTICLES_WINDOW_SIZE for the articles subgraph (its in-memory recent window; 0 turns it off). */
      window: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const n = Number(values.articles);
  const reqs = Number(values.requests);
  const log = (m: string) => process.stderr.write(`[archive] ${m}\n`);
  let seeded: { sourceIds: string[]; perSec: number | null } = { sourceIds: [], perSec: null };
  const stack = await startBenchStack({
    prefix: 'archive',
    db: `bench_archive_${n}`,
    keepDb: true,
    gatewayEnv: { GATEWAY_CACHE_TTL_MS: '0' },
    articlesEnv: values.window !== undefined ? { ARTICLES_WINDOW_SIZE: values.window } : {},
    seed: async (store) => {
      if (values.fresh) await store.Article.deleteMany({});
      seeded = await seedArchive(store, n, log);
      return seeded.sourceIds;
    },
    log,
  });
  try {
    const r = rng(42);
    const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo));
    // An article's id and date by its seed index (for cursors deep in the archive).
    const at = async (i: number) => {
      const d = await stack.store.Article.findOne(
        { urlKey: `news.s${i % SOURCES}.example/${SECTIONS[i % SECTIONS.length]}/${i}` },
        { _id: 1, publishedAt: 1 },
      ).lean();
      return d!;
    };
    const deep = await Promise.all(Array.from({ length: Math.min(reqs, 50) }, () => at(pick(0, Math.floor(n * 0.1)))));
    const shapes: Record<string, () => Promise<unknown>> = {
      firstPage: () => gql(stack.urls.gateway, PAGE, {}),
      filteredPage: () =>
        gql(stack.urls.gateway, PAGE, { f: { languages: [LANGS[pick(0, LANGS.length)]], section: SECTIONS[pick(0, SECTIONS.length)] } }),
      sourcePage: () => gql(stack.urls.gateway, PAGE, { f: { sourceIds: [seeded.sourceIds[pick(0, SOURCES)]] } }),
      deepPage: () => {
        const d = deep[pick(0, deep.length)]!;
        return gql(stack.urls.gateway, PAGE, { after: encodeCursor({ t: d.publishedAt.getTime(), id: String(d._id) }) });
      },
      deepFilteredPage: () => {
        const d = deep[pick(0, deep.length)]!;
        return gql(stack.urls.gateway, PAGE, {
          f: { languages: ['ja', 'ru'] },
          after: encodeCursor({ t: d.publishedAt.getTime(), id: String(d._id) }),
        });
      },
      rareWordSearch: () => gql(stack.urls.gateway, SEARCH, { q: `rare${pick(0, Math.floor(n * 0.2)).toString(36)}` }),
      commonWordSearch: () => gql(stack.urls.gateway, SEARCH, { q: COMMON }),
      story: () => gql(stack.urls.gateway, STORY, { id: `story-${pick(0, Math.floor(n / 4))}` }),
      articleById: () => {
        const d = deep[pick(0, deep.length)]!;
        return gql(stack.urls.gateway, ARTICLE, { id: String(d._id) });
      },
      domainTakedownLookup: () =>
        findScopeMatches(stack.store, { kind: 'DOMAIN', key: `s${pick(0, SOURCES)}.example` }, { limit: 500 }),
    };
    const results: Record<string, { p50Ms: number; p99Ms: number; n: number }> = {};
    for (const [name, fn] of Object.entries(shapes)) {
      await fn(); // warm: connections and plans
      const ms: number[] = [];
      for (let i = 0; i < reqs; i++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      results[name] = { p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)), n: ms.length };
      log(`${name}: p50 ${results[name].p50Ms} ms, p99 ${results[name].p99Ms} ms`);
    }
    const stats = (await stack.store.conn.db!.command({ dbStats: 1 })) as {
      dataSize?: number;
      storageSize?: number;
      indexSize?: number;
      totalSize?: number;
    };
    const maxP99Ms = Math.max(...Object.values(results).map((x) => x.p99Ms));
    const out = {
      articles: n,
      requestsPerShape: reqs,
      window: values.window ?? 'default',
      seedPerSec: seeded.perSec,
      storeBytes: stats.totalSize ?? (stats.storageSize ?? 0) + (stats.indexSize ?? 0),
      storeDataBytes: stats.storageSize ?? stats.dataSize ?? null,
      storeIndexBytes: stats.indexSize ?? null,
      ...results,
      maxP99Ms,
      goalP99Ms: 100,
      ok: maxP99Ms <= 100,
    };
    if (!values.json)
      for (const [k, v] of Object.entries(results)) process.stdout.write(`${k.padEnd(22)} p50 ${v.p50Ms} ms  p99 ${v.p99Ms} ms\n`);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return out.ok ? 0 : 1;
  } finally {
    await stack.stop();
  }
}
