import { loadConfig, type Config } from '@newsline/config';
import { testServices } from '@newsline/embedded-stack';
import { startService, type Handler, type Service } from '@newsline/lifecycle';
import { createStore, type Store } from '@newsline/store';
import Redis from 'ioredis';
import { setupArticles } from '../../apps/articles/src/app';
import { setupCompliance } from '../../apps/compliance/src/app';
import { setupSources } from '../../apps/sources/src/app';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const KEYS = { reader: 'reader-key-123456', editor: 'editor-key-123456', admin: 'admin-key-1234567' };
const root = join(__dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface Stack {
  config: Config;
  store: Store;
  redis: Redis;
  gatewayUrl: string;
  urls: { articles: string; sources: string; compliance: string };
  articles: Awaited<ReturnType<typeof setupArticles>>;
  gateway: ChildProcess;
  gatewayOutput: () => string;
  stop(): Promise<void>;
}

async function serve(name: string, handler: Handler): Promise<Service> {
  return startService({
    name,
    port: 0,
    checks: {},
    handler,
    onShutdown: async () => undefined,
    shutdownTimeoutMs: 2000,
    log: quiet,
    exit: false,
  });
}

/** Three subgraphs and the gateway in this process, on random loopback ports, over real FerretDB and Redis. */
export async function startStack(prefix: string, env: Record<string, string> = {}): Promise<Stack> {
  const { mongoUrl, redisUrl, smtp } = testServices(prefix);
  const base = loadConfig({
    MONGO_URL: mongoUrl,
    REDIS_URL: redisUrl,
    ...(smtp ? { SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port) } : {}),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    API_KEYS: `${KEYS.reader}:reader,${KEYS.editor}:editor,${KEYS.admin}:admin`,
    JWT_SECRET: 'test-jwt-secret-test-jwt-secret-32',
    ...env,
  });
  const store = await createStore(mongoUrl);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const articles = await setupArticles({ store, redis, config: base });
  const sources = await setupSources({ store, redis, config: base });
  const compliance = await setupCompliance({ store, config: base });
  const sa = await serve('articles', articles.handler);
  articles.attach(sa.server);
  const ss = await serve('sources', sources.handler);
  const sc = await serve('compliance', compliance.handler);
  const urls = {
    articles: `http://127.0.0.1:${sa.port}/graphql`,
    sources: `http://127.0.0.1:${ss.port}/graphql`,
    compliance: `http://127.0.0.1:${sc.port}/graphql`,
  };
  const config = {
    ...base,
    SUBGRAPH_ARTICLES_URL: urls.articles,
    SUBGRAPH_SOURCES_URL: urls.sources,
    SUBGRAPH_COMPLIANCE_URL: urls.compliance,
  };
  // The gateway runs as its own process: its planner and transports load through dynamic
  // import(), which jest's module sandbox does not support.
  const gwPort = await freePort();
  const gateway = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'apps/gateway/src/main.ts')], {
    env: {
      ...process.env,
      ...env,
      MONGO_URL: mongoUrl,
      REDIS_URL: redisUrl,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      GATEWAY_PORT: String(gwPort),
      API_KEYS: base.API_KEYS,
      JWT_SECRET: base.JWT_SECRET,
      SUBGRAPH_ARTICLES_URL: urls.articles,
      SUBGRAPH_SOURCES_URL: urls.sources,
      SUBGRAPH_COMPLIANCE_URL: urls.compliance,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  gateway.stdout!.on('data', (d) => (out += d));
  gateway.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const check = () => /gateway listening/.test(out) && resolve();
    gateway.stdout!.on('data', check);
    gateway.once('exit', (c) => reject(new Error(`gateway exited ${c}: ${out}`)));
  });
  return {
    config,
    store,
    redis,
    urls,
    articles,
    gateway,
    gatewayOutput: () => out,
    gatewayUrl: `http://127.0.0.1:${gwPort}/graphql`,
    async stop() {
      gateway.kill('SIGTERM');
      if (gateway.exitCode === null) await once(gateway, 'exit');
      await articles.stop();
      await Promise.all([sa.shutdown(), ss.shutdown(), sc.shutdown()]);
      await sources.stop();
      await compliance.stop();
      await store.conn.dropDatabase();
      await store.close();
      redis.disconnect();
    },
  };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
  return { status: res.status, ...body };
}
