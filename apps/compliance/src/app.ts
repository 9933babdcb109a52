// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- graphql-ws/use/ws is an exports subpath node10 resolution cannot see
/// <reference path="./graphql-ws.d.ts" />
import type { Server } from 'node:http';
import { jobIds, QUEUES, takedownJob } from '@newsline/domain';
import type { AppContext } from '@newsline/lifecycle';
import { politeClientFromConfig } from '@newsline/http';
import { auditModels, takedownModel, takedownNoticeModel, takedownOpenModel, tombstoneModel } from '@newsline/store';
import { createMailQueue, queueNotice, redriveNotices } from '@newsline/takedowns';
import { createGraphQLHandler, IDENTITY_HEADER, verifyIdentity, type Identity } from '@newsline/subgraph';
import { Queue } from 'bullmq';
import { useServer } from 'graphql-ws/use/ws';
import Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import { TakedownHub } from './live';
import { buildComplianceSchema, type ComplianceContext } from './schema';
import { confirmCounterNotice, confirmTakedown, statusByToken, sweepTakedowns, type ComplianceServices } from './service';
import { toRequest } from './schema';

/** Same options as the workers' takedown queue (apps/workers/src/takedown/queue.ts). */
const JOB_OPTS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 250 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
} as const;

function clientOf(req: IncomingMessage | undefined, identity: Identity | undefined): string {
  // The gateway signs anonymous callers as `ip:<address>`; its own address would put every one in one bucket.
  if (identity && (!identity.anonymous || identity.sub.startsWith('ip:'))) return identity.sub;
  const fwd = req?.headers['x-forwarded-for'];
  const addr = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim() || req?.socket.remoteAddress || 'unknown';
  return `ip:${addr}`;
}

/**
 * Builds the compliance subgraph on a connected context (used by main.ts and the API tests).
 * `redis` is optional for callers that predate the takedown workflow: one is opened from config.
 */
export async function setupCompliance(
  ctx: Pick<AppContext, 'store' | 'config'> & { redis?: Redis },
  opts: { queuePrefix?: string; keyPrefix?: string; sweepMs?: number } = {},
) {
  const { store, config } = ctx;
  const ownRedis = !ctx.redis;
  const redis = ctx.redis ?? new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const m of [
    takedownModel(store.conn),
    takedownOpenModel(store.conn),
    takedownNoticeModel(store.conn),
    tombstoneModel(store.conn),
    auditModels(store.conn).Entry,
  ])
    await m.createIndexes();
  const connection = redis.duplicate({ maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.takedown, { connection, prefix: opts.queuePrefix, defaultJobOptions: JOB_OPTS });
  const mail = createMailQueue(connection, opts.queuePrefix);
  // .well-known proofs are fetched like any publisher page: robots-free (the publisher asked) but SSRF-guarded.
  const http = politeClientFromConfig(config, redis, { totalTimeoutMs: 10_000 });
  const svc: ComplianceServices = {
    store,
    redis,
    config,
    // Per database: instances sharing a database share limits; separate deployments (and test databases) do not.
    keyPrefix: opts.keyPrefix ?? `newsline:${store.conn.name}:`,
    async enqueue(requestId) {
      const jobId = jobIds.takedown(requestId);
      const existing = await queue.getJob(jobId);
      if (existing && (await existing.isFailed())) return void (await existing.retry());
      await queue.add('enforce', takedownJob.parse({ requestId }), { jobId });
    },
    async notify(n) {
      await queueNotice(store.conn, mail, n);
    },
    async fetchText(url) {
      const r = await http.fetch(url, { kind: 'robots' });
      return r.kind === 'ok' ? r.body.toString('utf8').slice(0, 10_000) : undefined;
    },
  };
  // One instance at a time runs the clocks (expiry, counter-notice reinstatement, mail re-drive).
  const sweepMs = opts.sweepMs ?? config.TAKEDOWN_SWEEP_MS;
  const sweepKey = `${svc.keyPrefix}takedown:compliance-sweep`;
  const sweep = setInterval(() => {
    void (async () => {
      if (!(await redis.set(sweepKey, '1', 'PX', Math.max(sweepMs - 50, 50), 'NX'))) return;
      await sweepTakedowns(svc);
      await redriveNotices(store.conn, mail);
    })().catch(() => undefined);
  }, sweepMs);
  sweep.unref();
  const hub = new TakedownHub(redis, config.SUBSCRIPTION_BUFFER);
  await hub.start();
  const schema = await buildComplianceSchema();
  const gql = await createGraphQLHandler<ComplianceContext>({
    schema,
    internalSecret: config.INTERNAL_AUTH_SECRET,
    development: config.NODE_ENV === 'development',
    context: (req, identity) => ({ identity, svc, client: clientOf(req, identity) }),
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  useServer<Record<string, unknown>>(
    {
      schema,
      // The gateway passes the signed identity in connectionParams (or as an upgrade header).
      context: (c) => {
        const fromParams = c.connectionParams?.[IDENTITY_HEADER];
        const fromHeader = c.extra.request.headers[IDENTITY_HEADER];
        const header = typeof fromParams === 'string' ? fromParams : Array.isArray(fromHeader) ? fromHeader[0] : fromHeader;
        const identity = verifyIdentity(config.INTERNAL_AUTH_SECRET, header);
        return { identity, svc, client: clientOf(c.extra.request, identity), live: hub } satisfies ComplianceContext;
      },
    },
    wss,
  );
  return {
    svc,
    hub,
    queue,
    mail,
    /** /graphql, plus the pages the mailed links open: confirm (a form that POSTs: mail scanners prefetch GETs) and status. */
    handler: ((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!url.pathname.startsWith('/takedowns/')) return gql.handler(req, res);
      void linkPage(svc, req, res, url).catch(() => res.writeHead(500).end());
    }) as typeof gql.handler,
    /** graphql-ws (takedownUpdated) on the same /graphql path as HTTP. */
    attach(server: Server) {
      server.on('upgrade', (req, socket, head) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/graphql') return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    },
    stop: async () => {
      clearInterval(sweep);
      for (const c of wss.clients) c.close(1001, 'shutting down');
      wss.close();
      hub.stop();
      await gql.stop();
      await queue.close();
      await mail.close();
      connection.disconnect();
      if (ownRedis) redis.disconnect();
    },
  };
}

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function linkPage(svc: ComplianceServices, req: IncomingMessage, res: import('node:http').ServerResponse, url: URL) {
  const route = url.pathname.replace(/\/$/, '');
  let token = url.searchParams.get('token') ?? '';
  const send = (code: number, type: string, body: string) =>
    res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end(body);
  if (route === '/takedowns/status') {
    try {
      return send(200, 'application/json', JSON.stringify(toRequest(await statusByToken(svc, token))));
    } catch (e) {
      return send(400, 'application/json', JSON.stringify({ error: (e as Error).message, code: (e as { extensions?: { code?: string } }).extensions?.code }));
    }
  }
  if (route !== '/takedowns/confirm' && route !== '/takedowns/counter/confirm') return send(404, 'text/plain', 'not found');
  if (req.method === 'GET')
    return send(200, 'text/html; charset=utf-8',
      `<!doctype html><title>Confirm</title><form method="post"><input type="hidden" name="token" value="${esc(token)}"><button>Confirm</button></form>`);
  if (req.method !== 'POST') return send(405, 'text/plain', 'method not allowed');
  let body = '';
  for await (const chunk of req) if ((body += String(chunk)).length > 4096) return send(413, 'text/plain', 'too large');
  token = new URLSearchParams(body).get('token') ?? token;
  try {
    const r = route === '/takedowns/confirm' ? await confirmTakedown(svc, token) : await confirmCounterNotice(svc, token);
    send(200, 'text/plain; charset=utf-8', `Confirmed. Request ${String(r._id)} is now ${r.status}.`);
  } catch (e) {
    send(400, 'text/plain; charset=utf-8', `Not confirmed: ${(e as Error).message}`);
  }
}
