// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- graphql-ws/use/ws is an exports subpath node10 resolution cannot see
/// <reference path="./graphql-ws.d.ts" />
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { join } from 'node:path';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createGatewayRuntime, getGraphQLWSOptions, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import type { Config } from '@newsline/config';
import { IDENTITY_HEADER, signIdentity, type Identity } from '@newsline/subgraph';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type Redis from 'ioredis';
import { WebSocketServer } from 'ws';
import { AuthError, createAuthenticator, credentialsFrom } from './auth';
import { Metrics } from './metrics';
import { SharedSubscriptions } from './shared-subscriptions';
import { createQueueBoard } from './queue-board';
import { cacheKey, invalidateOnEvents, ResponseCache, type CachedResponse, type GraphQLParams } from './response-cache';

export const SUPERGRAPH_PATH = join(__dirname, '..', 'supergraph.graphql');

type GatewayConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'API_KEYS'
  | 'JWT_SECRET'
  | 'ANONYMOUS_ROLE'
  | 'INTERNAL_AUTH_SECRET'
  | 'GATEWAY_PLANNER'
  | 'GATEWAY_MAX_DEPTH'
  | 'GATEWAY_MAX_COST'
  | 'GATEWAY_MAX_TOKENS'
  | 'GATEWAY_MAX_ALIASES'
  | 'GATEWAY_MAX_LIST_ITEMS'
  | 'GATEWAY_RATE_LIMIT_PER_MIN'
  | 'GATEWAY_MAX_BODY_BYTES'
  | 'GATEWAY_CORS_ORIGINS'
  | 'GATEWAY_PERSISTED_QUERIES_FILE'
  | 'GATEWAY_PERSISTED_ONLY'
  | 'GATEWAY_INTROSPECTION'
  | 'SUBSCRIPTION_BUFFER'
  | 'SUBGRAPH_ARTICLES_URL'
  | 'SUBGRAPH_SOURCES_URL'
  | 'SUBGRAPH_COMPLIANCE_URL'
  | 'BULLMQ_PREFIX'
  | 'GATEWAY_CACHE_TTL_MS'
  | 'GATEWAY_CACHE_STALE_MS'
  | 'GATEWAY_CACHE_MAX_ENTRIES'
>;

interface Log {
  info: (o: object, m?: string) => void;
  warn: (o: object, m?: string) => void;
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

function withCode(e: GraphQLError, code: string): GraphQLError {
  if (e.extensions?.code) return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    originalError: e.originalError,
    extensions: { ...e.extensions, code },
  });
}

/** Fixed one-minute windows in Redis: shared by every gateway instance, self-expiring keys. */
async function overLimit(redis: Redis, bucket: string, limit: number): Promise<boolean> {
  const window = Math.floor(Date.now() / 60_000);
  const key = `newsline:ratelimit:${bucket}:${window}`;
  const n = await redis.incr(key);
  if (n === 1) await redis.pexpire(key, 61_000);
  return n > limit;
}

function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * The public GraphQL endpoint: Hive Gateway runtime over the static supergraph, with our own
 * front door (auth → signed identity header, rate limit, body cap) on node:http, graphql-ws on
 * the same /graphql path, and /metrics.
 */
export function createGateway(config: GatewayConfig, deps: { redis: Redis; log: Log; supergraph?: string }) {
  const supergraph = deps.supergraph ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  const authenticate = createAuthenticator(config);
  const metrics = new Metrics();
  const queueBoard = createQueueBoard({ redis: deps.redis, prefix: config.BULLMQ_PREFIX, authenticate });
  const development = config.NODE_ENV === 'development';
  const cache =
    config.GATEWAY_CACHE_TTL_MS > 0
      ? new ResponseCache({
          ttlMs: config.GATEWAY_CACHE_TTL_MS,
          staleMs: config.GATEWAY_CACHE_STALE_MS,
          maxEntries: config.GATEWAY_CACHE_MAX_ENTRIES,
        })
      : undefined;
  if (cache) metrics.cache = cache;
  const cacheEvents = cache ? invalidateOnEvents(deps.redis, cache, deps.log) : undefined;
  cacheEvents?.catch(() => undefined); // rethrown by warmup()

  const persisted = config.GATEWAY_PERSISTED_QUERIES_FILE
    ? (JSON.parse(readFileSync(config.GATEWAY_PERSISTED_QUERIES_FILE, 'utf8')) as Record<string, string>)
    : undefined;
  if (config.GATEWAY_PERSISTED_ONLY && !persisted) throw new Error('GATEWAY_PERSISTED_ONLY needs GATEWAY_PERSISTED_QUERIES_FILE');

  const ws = (url: string) => ({
    kind: 'ws' as const,
    location: url,
    // Interpolated per subscription by transport-ws, which keeps one upstream socket per distinct
    // connectionParams: signIdentity gives a principal the same header for SIGN_WINDOW_MS, so a
    // principal's subscriptions share a socket. The subgraph verifies it per subscription.
    options: { connectionParams: { [IDENTITY_HEADER]: '{context.identityHeader}' } },
  });

  const metricsPlugin: GatewayPlugin = {
    onContextBuilding({ context, extendContext }) {
      const c = context as { identityHeader?: string; request?: Request };
      if (!c.identityHeader) extendContext({ identityHeader: c.request?.headers.get(IDENTITY_HEADER) ?? '' } as never);
    },
    onValidate() {
      return ({ result }) => {
        if (result.length) metrics.error(result.length);
      };
    },
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result) && result.errors?.length) metrics.error(result.errors.length);
        },
      };
    },
  };

  // Validation errors (depth and cost limits included) and variable coercion errors leave the
  // runtime without extensions.code; clients need a code to tell a bad request from an outage.
  const typedErrorsPlugin: GatewayPlugin = {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      const r = result as { errors?: readonly GraphQLError[] };
      if (!r.errors?.some((e) => !e.extensions?.code && !e.path)) return;
      const code = (e: GraphQLError) => (/^Variable "\$/.test(e.message) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED');
      setResult({ ...r, errors: r.errors.map((e) => (e.extensions?.code || e.path ? e : withCode(e, code(e)))) } as never);
    },
  };

  const runtime = createGatewayRuntime({
    supergraph,
    // The Rust query planner (router-runtime); GATEWAY_PLANNER=default uses the JS planner.
    ...(config.GATEWAY_PLANNER === 'router' ? { unifiedGraphHandler } : {}),
    transportEntries: {
      articles: { location: config.SUBGRAPH_ARTICLES_URL, options: { subscriptions: ws(config.SUBGRAPH_ARTICLES_URL) } },
      sources: { location: config.SUBGRAPH_SOURCES_URL },
      compliance: { location: config.SUBGRAPH_COMPLIANCE_URL, options: { subscriptions: ws(config.SUBGRAPH_COMPLIANCE_URL) } },
    },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ [IDENTITY_HEADER]: request.headers.get(IDENTITY_HEADER) ?? '' }),
    },
    maskedErrors: !development,
    // Introspection reveals the whole supergraph: off in production unless GATEWAY_INTROSPECTION=true.
    ...((config.GATEWAY_INTROSPECTION ?? config.NODE_ENV !== 'production') ? {} : { disableIntrospection: {} }),
    graphiql: false, // the GraphiQL page loads from a CDN
    landingPage: false,
    logging: development ? 'info' : 'warn',
    cors: config.GATEWAY_CORS_ORIGINS.length
      ? {
          origin: config.GATEWAY_CORS_ORIGINS,
          methods: ['GET', 'POST', 'OPTIONS'],
          allowedHeaders: ['content-type', 'authorization', 'x-api-key'],
        }
      : false,
    ...(persisted
      ? {
          persistedDocuments: {
            getPersistedOperation: (id: string) => persisted[id] ?? null,
            allowArbitraryDocuments: !config.GATEWAY_PERSISTED_ONLY,
          },
        }
      : {}),
    plugins: () => [
      // Cheapest first: the token budget aborts parsing of an oversized document early.
      maxTokensPlugin({ n: config.GATEWAY_MAX_TOKENS, exposeLimits: true }),
      maxAliasesPlugin({ n: config.GATEWAY_MAX_ALIASES, allowList: [], exposeLimits: true }),
      maxDepthPlugin({ n: config.GATEWAY_MAX_DEPTH, ignoreIntrospection: true, exposeLimits: true, flattenFragments: true }),
      costLimitPlugin({ maxCost: config.GATEWAY_MAX_COST, exposeLimits: true }),
      metricsPlugin,
      typedErrorsPlugin,
    ],
  });

  async function identify(get: (n: string) => string | undefined): Promise<Identity | undefined> {
    return authenticate(credentialsFrom(get));
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
      return;
    }
    if (queueBoard.matches(path ?? '')) return queueBoard.handle(req, res);
    if (path !== '/graphql') return sendError(res, 404, 'NOT_FOUND', 'not found');
    const started = process.hrtime.bigint();
    res.once('finish', () => metrics.request(res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
    // CORS preflight goes straight to the runtime (no credentials on OPTIONS).
    if (req.method === 'OPTIONS') return forward(req, res);
    if (req.method === 'POST') {
      const len = Number(req.headers['content-length']);
      if (!Number.isFinite(len)) return sendError(res, 411, 'LENGTH_REQUIRED', 'content-length required');
      if (len > config.GATEWAY_MAX_BODY_BYTES)
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `body larger than ${config.GATEWAY_MAX_BODY_BYTES} bytes`);
    }
    let identity: Identity | undefined;
    try {
      identity = await identify((n) => {
        const v = req.headers[n];
        return Array.isArray(v) ? v[0] : v;
      });
    } catch (err) {
      if (err instanceof AuthError) return sendError(res, err.status, String(err.extensions.code), err.message);
      throw err;
    }
    // Anonymous callers are told apart by address: in the rate limit here and, signed, in the
    // subgraphs (the compliance subgraph limits public takedown submissions per client).
    if (identity?.anonymous) identity = { ...identity, sub: `ip:${clientIp(req)}` };
    const bucket = identity && !identity.anonymous ? identity.sub : `ip:${clientIp(req)}`;
    if (await overLimit(deps.redis, bucket, config.GATEWAY_RATE_LIMIT_PER_MIN)) {
      metrics.limited();
      return sendError(res, 429, 'RATE_LIMITED', 'rate limit exceeded', { 'retry-after': '60' });
    }
    // Never trust a client-sent identity header: replace it with ours (or remove it).
    delete req.headers[IDENTITY_HEADER];
    if (identity) req.headers[IDENTITY_HEADER] = signIdentity(config.INTERNAL_AUTH_SECRET, identity);
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    if (sse) {
      metrics.activeSubscriptions++;
      res.once('close', () => metrics.activeSubscriptions--);
    }
    const body = await readBody(req, res);
    if (body === null) return;
    const params = graphqlParams(req, body);
    // A 10,000-entry list variable is abuse whatever the field: refused here, before the runtime
    // coerces it and a subgraph parses it again (the filters themselves allow far fewer entries).
    const longest = longestList(params.variables);
    if (longest > config.GATEWAY_MAX_LIST_ITEMS)
      return sendError(
        res,
        400,
        'BAD_USER_INPUT',
        `a list in the variables has ${longest} items; at most ${config.GATEWAY_MAX_LIST_ITEMS}`,
      );
    const key = cache && identity && !sse ? cacheKey(identity.role, req.headers.accept ?? '', params, req.headers.origin ?? '') : undefined;
    if (cache && key) {
      const { response, outcome } = await cache.serve(key, () => fetchWhole(req, body));
      const headers: Record<string, string> = {
        ...response.headers,
        'content-length': String(response.body.length),
        'x-newsline-cache': outcome,
      };
      res.writeHead(response.status, headers).end(response.body);
      return;
    }
    await forward(req, res, body);
  };

  /** The POST body, bounded by GATEWAY_MAX_BODY_BYTES; null when a 413 was sent instead. */
  async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined | null> {
    if (req.method !== 'POST') return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > config.GATEWAY_MAX_BODY_BYTES) {
        sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'body too large');
        return null;
      }
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  function graphqlParams(req: IncomingMessage, body: Buffer | undefined): GraphQLParams {
    if (req.method === 'GET') {
      const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
      return {
        query: q.get('query') ?? undefined,
        operationName: q.get('operationName') ?? undefined,
        variables: q.get('variables') ?? undefined,
        extensions: q.get('extensions') ?? undefined,
      };
    }
    if (req.method !== 'POST' || !body || !(req.headers['content-type'] ?? '').includes('application/json')) return {};
    try {
      const p = JSON.parse(body.toString('utf8')) as unknown;
      return p && typeof p === 'object' && !Array.isArray(p) ? (p as GraphQLParams) : {};
    } catch {
      return {}; // the runtime answers the malformed body
    }
  }

  /** The longest array anywhere in the variables (a JSON string for GET requests). */
  function longestList(variables: unknown): number {
    let v = variables;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        return 0; // the runtime answers the malformed variables
      }
    }
    let max = 0;
    const walk = (x: unknown, depth: number): void => {
      if (depth > 32 || x === null || typeof x !== 'object') return;
      if (Array.isArray(x)) max = Math.max(max, x.length);
      for (const y of Array.isArray(x) ? x : Object.values(x)) walk(y, depth + 1);
    };
    walk(v, 0);
    return max;
  }

  async function runtimeRequest(req: IncomingMessage, body: Buffer | undefined, signal?: AbortSignal): Promise<Response> {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    return runtime.fetch(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/graphql'}`, {
      method: req.method,
      headers,
      body,
      signal,
    });
  }

  /** A whole runtime answer for the cache. Not tied to this client's connection: other callers may be waiting for it. */
  async function fetchWhole(req: IncomingMessage, body: Buffer | undefined): Promise<CachedResponse> {
    const response = await runtimeRequest(req, body);
    const headers: Record<string, string> = {};
    response.headers.forEach((v, name) => {
      const k = name.toLowerCase(); // the runtime's Headers keep the case they were set with
      // Per-response headers are not replayed to other callers.
      if (k !== 'content-length' && k !== 'set-cookie' && k !== 'x-request-id' && k !== 'date') headers[k] = v;
    });
    return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
  }

  /** Node request → fetch Request (body already bounded) → runtime → streamed node response. */
  async function forward(req: IncomingMessage, res: ServerResponse, body?: Buffer): Promise<void> {
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const response = await runtimeRequest(req, body, abort.signal);
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => (out[k] = v));
    res.writeHead(response.status, out);
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    } catch {
      // client went away or upstream stream failed: nothing more to send
    }
    res.end();
  }

  let wss: WebSocketServer | undefined;
  type WsSocket = { readyState: number; OPEN: number; bufferedAmount: number; send(data: string): void };
  const shared = new SharedSubscriptions<object>(config.SUBSCRIPTION_BUFFER);
  function attach(server: Server): void {
    wss = new WebSocketServer({ noServer: true, maxPayload: config.GATEWAY_MAX_BODY_BYTES });
    const base = getGraphQLWSOptions(runtime, async (ctx) => {
      const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
      const req = (ctx.extra as { request: IncomingMessage }).request;
      const get = (n: string) => {
        const p = params[n] ?? params[n === 'x-api-key' ? 'apiKey' : n];
        if (typeof p === 'string') return p;
        const v = req.headers[n];
        return Array.isArray(v) ? v[0] : v;
      };
      const identity = await identify(get);
      return {
        req,
        socket: (ctx.extra as { socket: unknown }).socket,
        identityHeader: identity ? signIdentity(config.INTERNAL_AUTH_SECRET, identity) : '',
        // The whole principal: only subscriptions of the same caller share an upstream stream.
        principal: identity ? JSON.stringify([identity.sub, identity.role, identity.anonymous]) : '',
        principalIdentity: identity,
      };
    });
    const baseSubscribe = base.subscribe;
    if (!baseSubscribe) throw new Error('gateway-runtime graphql-ws options without subscribe');
    useServer(
      {
        ...base,
        // Identical subscriptions of one principal share one upstream execution (10k clients of
        // one headline feed are one subgraph subscription), each client with its own bounded queue.
        subscribe: (args) => {
          const c = args.contextValue as {
            principal: string;
            principalIdentity?: Identity;
            identityHeader: string;
            params: Record<string, unknown>;
            socket: WsSocket;
            subscriptionId: string;
          };
          const key = shared.keyFor(c.principal, c.params);
          if (key === undefined) return baseSubscribe(args);
          // Results go straight to the socket, serialised once per result for all clients (at 10k
          // clients per event the per-client graphql-ws emit path was most of the fan-out cost).
          // A client with more than SUBSCRIPTION_BUFFER results' worth of unsent bytes is cut off.
          const socket = c.socket;
          const prefix = `{"id":${JSON.stringify(c.subscriptionId)},"type":"next","payload":`;
          const sink = (json: string) => {
            if (socket.readyState !== socket.OPEN) return true; // closing: graphql-ws ends the subscription
            const message = `${prefix}${json}}`;
            if (socket.bufferedAmount > config.SUBSCRIPTION_BUFFER * message.length) return false;
            socket.send(message);
            return true;
          };
          return shared.subscribe(
            key,
            () => {
              // Signed again as the upstream starts: under a long event-loop lag the header signed
              // at connection time may be near expiry, and a refusal would end the stream for all.
              if (c.principalIdentity) c.identityHeader = signIdentity(config.INTERNAL_AUTH_SECRET, c.principalIdentity);
              return baseSubscribe(args) as never;
            },
            sink,
          );
        },
        onSubscribe: async (ctx, id, payload) => {
          metrics.activeSubscriptions++;
          const args = await base.onSubscribe?.(ctx, id, payload);
          // The sink above writes graphql-ws `next` messages itself: it needs the operation id.
          if (args && 'contextValue' in args) Object.assign(args.contextValue as object, { subscriptionId: id });
          return args;
        },
        onComplete: async (ctx, id, payload) => {
          metrics.activeSubscriptions--;
          return base.onComplete?.(ctx, id, payload);
        },
      },
      wss,
    );
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').split('?')[0] !== '/graphql') return socket.destroy();
      wss!.handleUpgrade(req, socket, head, (s) => wss!.emit('connection', s, req));
    });
  }

  /** Loads the supergraph now: graphql-ws reads the schema directly and finds none until the first HTTP request did. */
  async function warmup(): Promise<void> {
    await cacheEvents; // never serve cached answers without listening for removals
    const r = await runtime.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    if (!r.ok) throw new Error(`gateway warm-up failed: ${r.status} ${await r.text()}`);
  }

  return {
    handler,
    attach,
    warmup,
    metrics,
    runtime,
    async stop() {
      for (const c of wss?.clients ?? []) c.close(1001, 'shutting down');
      wss?.close();
      await (await cacheEvents)?.stop();
      await runtime.dispose();
      await queueBoard.close();
    },
  };
}
