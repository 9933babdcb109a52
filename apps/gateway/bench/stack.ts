import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureStack } from '@newsline/embedded-stack';
import { termsFor } from '@newsline/search';
import { createStore, type Store } from '@newsline/store';
import { signIdentity } from '@newsline/subgraph';
import Redis from 'ioredis';

export const ROOT = join(__dirname, '../../..');
/** The subgraphs' signing secret in the bench: the direct baseline signs its own reader identity with it. */
export const BENCH_SECRET = 'bench-internal-auth-secret-0123456789';
export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const LANGS = ['en', 'ja', 'ru', 'de', 'fr'] as const;
export const SECTIONS = ['politics', 'weather', 'local', 'sport', 'business'] as const;
const COUNTRY: Record<string, string> = { en: 'GB', ja: 'JP', ru: 'RU', de: 'DE', fr: 'FR' };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
  });
}

/** Resident memory of a process from /proc: peak (VmHWM) and current (VmRSS), in MiB. */
export function procMemMiB(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
}

/** Every app child this process started: killed outright if the bench dies before stopping them. */
const children = new Set<ChildProcess>();
let reaper = false;
function installReaper(): void {
  if (reaper) return;
  reaper = true;
  process.once('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => process.exit(130));
}

export interface App {
  name: string;
  child: ChildProcess;
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * One app as its own node process (`node --import tsx`, so the pid is the app's own, for /proc),
 * under `ulimit -n <fds>` so thousands of sockets fit. Resolves once it logs "<name> listening".
 */
export async function startApp(name: string, entry: string, env: Record<string, string>, fds = 65536): Promise<App> {
  const cmd = `ulimit -n ${fds} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" --import tsx "$1"`;
  const child = spawn('sh', ['-c', cmd, process.execPath, join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  installReaper();
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (out.includes(`${name} listening`)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (c: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited ${c}:\n${out}`));
    };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
  });
  return {
    name,
    child,
    pid: child.pid!,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface BenchStack {
  store: Store;
  redis: Redis;
  mongoUrl: string;
  redisUrl: string;
  db: string;
  sourceIds: string[];
  articles: App;
  sources: App;
  gateway: App;
  urls: { gateway: string; articles: string; sources: string };
  /** A fresh signed reader identity for calling a subgraph directly (valid ±60 s). */
  readerIdentity(): string;
  stop(): Promise<void>;
}

/** Seeds `sources` publishers and `articles` articles (5 languages, 5 sections, one per minute from T0). */
async function seed(store: Store, sources: number, articles: number): Promise<string[]> {
  const srcs = await store.Source.insertMany(
    Array.from({ length: sources }, (_, i) => ({
      name: `Bench Source ${i}`,
      key: `bench-source-${i}`,
      homepage: `https://s${i}.example/`,
      country: COUNTRY[LANGS[i % LANGS.length]!],
      languages: [LANGS[i % LANGS.length]!],
      attribution: `© Bench ${i}`,
    })),
  );
  const ids = srcs.map((s) => String(s._id));
  const docs = [];
  for (let i = 0; i < articles; i++) {
    const lang = LANGS[i % LANGS.length]!;
    const title = `Bench headline ${i} about ${SECTIONS[i % SECTIONS.length]} news`;
    const url = `https://s${i % sources}.example/a/${i}`;
    docs.push({
      urlKey: `s${i % sources}.example/a/${i}`,
      url,
      sourceUrl: url,
      attribution: `© Bench ${i % sources}`,
      sourceId: ids[i % sources], // cast to an ObjectId by the schema
      country: COUNTRY[lang],
      title,
      language: lang,
      section: SECTIONS[Math.floor(i / LANGS.length) % SECTIONS.length],
      publishedAt: new Date(T0 + i * 60_000),
      terms: termsFor({ title, language: lang }),
    });
  }
  for (let i = 0; i < docs.length; i += 500) await store.Article.insertMany(docs.slice(i, i + 500));
  return ids;
}

/**
 * FerretDB + Redis (started or reused), a fresh database with seeded sources and articles, the
 * articles and sources subgraphs and the gateway, each as its own process on a free loopback port.
 */
export async function startBenchStack(opts: {
  prefix: string;
  sources?: number;
  articles?: number;
  gatewayEnv?: Record<string, string>;
  articlesEnv?: Record<string, string>;
  /** Seeds the database instead of the default articles; returns the source ids. */
  seed?: (store: Store) => Promise<string[]>;
  /** Keep the seeded database after stop (a large archive is reused by the next run). */
  keepDb?: boolean;
  db?: string;
  log: (m: string) => void;
}): Promise<BenchStack> {
  const stack = await ensureStack({ log: opts.log });
  const db = opts.db ?? `bench_${opts.prefix}_${Date.now()}`;
  const mongoUrl = Object.assign(new URL(stack.mongoUrl), { pathname: `/${db}` }).toString();
  const store = await createStore(mongoUrl);
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
  const started: App[] = [];
  try {
    await store.ensureIndexes();
    const sourceIds = opts.seed ? await opts.seed(store) : await seed(store, opts.sources ?? 10, opts.articles ?? 0);
    opts.log(`seeded ${sourceIds.length} sources and ${opts.articles ?? 0} articles into ${db}`);
    const [pa, ps, pc, pg] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const common = { MONGO_URL: mongoUrl, REDIS_URL: stack.redisUrl, INTERNAL_AUTH_SECRET: BENCH_SECRET };
    const [articles, sources] = await Promise.all([
      startApp('articles', 'apps/articles/src/main.ts', { ...common, ARTICLES_PORT: String(pa), ...opts.articlesEnv }),
      startApp('sources', 'apps/sources/src/main.ts', { ...common, SOURCES_PORT: String(ps) }),
    ]);
    started.push(articles, sources);
    const urls = {
      articles: `http://127.0.0.1:${pa}/graphql`,
      sources: `http://127.0.0.1:${ps}/graphql`,
      gateway: `http://127.0.0.1:${pg}/graphql`,
    };
    const gateway = await startApp('gateway', 'apps/gateway/src/main.ts', {
      ...common,
      GATEWAY_PORT: String(pg),
      SUBGRAPH_ARTICLES_URL: urls.articles,
      SUBGRAPH_SOURCES_URL: urls.sources,
      // Not started: no bench query touches the compliance subgraph.
      SUBGRAPH_COMPLIANCE_URL: `http://127.0.0.1:${pc}/graphql`,
      // One anonymous client at thousands of requests per second: the limit must not trip, but is still counted.
      GATEWAY_RATE_LIMIT_PER_MIN: '100000000',
      ...opts.gatewayEnv,
    });
    started.push(gateway);
    return {
      store,
      redis,
      mongoUrl,
      redisUrl: stack.redisUrl,
      db,
      sourceIds,
      articles,
      sources,
      gateway,
      urls,
      readerIdentity: () => signIdentity(BENCH_SECRET, { sub: 'bench', role: 'reader', anonymous: false }),
      async stop() {
        await Promise.all(started.map((a) => a.stop()));
        if (!opts.keepDb) await store.conn.dropDatabase().catch(() => undefined);
        await store.close();
        redis.disconnect();
        await stack.stop();
      },
    };
  } catch (err) {
    await Promise.all(started.map((a) => a.stop()));
    await store.conn.dropDatabase().catch(() => undefined);
    await store.close();
    redis.disconnect();
    await stack.stop();
    throw err;
  }
}
