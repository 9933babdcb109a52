// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- graphql-ws/use/ws is an exports subpath node10 resolution cannot see
/// <reference path="./graphql-ws.d.ts" />
import type { Server } from 'node:http';
import { jobIds, QUEUES, takedownJob } from '@newsline/domain';
import type { AppContext } from '@newsline/lifecycle';
import { auditModels, takedownModel, takedownOpenModel, tombstoneModel } from '@newsline/store';
import { createGraphQLHandler, IDENTITY_HEADER, verifyIdentity, type Identity } from '@newsline/subgraph';
import { Queue } from 'bullmq';
import { useServer } from 'graphql-ws/use/ws';
import Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import { TakedownHub } from './live';
import { buildComplianceSchema, type ComplianceContext } from './schema';
import type { ComplianceServices } from './service';

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
  opts: { queuePrefix?: string; keyPrefix?: string } = {},
) {
  const { store, config } = ctx;
  const ownRedis = !ctx.redis;
  const redis = ctx.redis ?? new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  for (const m of [takedownModel(store.conn), takedownOpenModel(store.conn), tombstoneModel(store.conn), auditModels(store.conn).Entry])
    await m.createIndexes();
  const connection = redis.duplicate({ maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.takedown, { connection, prefix: opts.queuePrefix, defaultJobOptions: JOB_OPTS });
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
  };
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
    handler: gql.handler,
    /** graphql-ws (takedownUpdated) on the same /graphql path as HTTP. */
    attach(server: Server) {
      server.on('upgrade', (req, socket, head) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/graphql') return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    },
    stop: async () => {
      for (const c of wss.clients) c.close(1001, 'shutting down');
      wss.close();
      hub.stop();
      await gql.stop();
      await queue.close();
      connection.disconnect();
      if (ownRedis) redis.disconnect();
    },
  };
}
