import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { QUEUES } from '@newsline/domain';
import type { Identity } from '@newsline/subgraph';
import { Queue } from 'bullmq';
import express from 'express';
import type Redis from 'ioredis';
import { AuthError, credentialsFrom, type Credentials } from './auth';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Browsers cannot add an x-api-key header to a page load, so the board also takes HTTP Basic
 * auth with the API key as the password (any user name): the browser's own login prompt works.
 */
export function boardCredentials(get: (n: string) => string | undefined): Credentials {
  const auth = get('authorization');
  const basic = auth && /^basic\s+/i.exec(auth) ? Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8') : undefined;
  if (basic !== undefined) return { apiKey: basic.slice(basic.indexOf(':') + 1).trim() || undefined };
  return credentialsFrom(get);
}

/**
 * Bull Board for every queue in QUEUES, admin only. Its queues (one duplicated Redis
 * connection) are opened on the first admin request, so a gateway nobody inspects pays nothing.
 */
export function createQueueBoard(opts: { redis: Redis; prefix: string; authenticate: (c: Credentials) => Promise<Identity | undefined> }) {
  let app: express.Express | undefined;
  let queues: Queue[] = [];
  let connection: Redis | undefined;

  function board(): express.Express {
    if (app) return app;
    connection = opts.redis.duplicate();
    queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: connection!, prefix: opts.prefix }));
    const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({
      queues: queues.map((q) => new BullMQAdapter(q)),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Newsline queues' } },
    });
    app = express();
    app.disable('x-powered-by');
    app.use(QUEUE_BOARD_PATH, serverAdapter.getRouter());
    return app;
  }

  function deny(res: ServerResponse, status: number, message: string): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 401) headers['www-authenticate'] = 'Basic realm="Newsline admin", charset="UTF-8"';
    res.writeHead(status, headers).end(JSON.stringify({ errors: [{ message }] }));
  }

  return {
    matches: (path: string) => path === QUEUE_BOARD_PATH || path.startsWith(`${QUEUE_BOARD_PATH}/`),
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      let identity: Identity | undefined;
      try {
        identity = await opts.authenticate(
          boardCredentials((n) => {
            const v = req.headers[n];
            return Array.isArray(v) ? v[0] : v;
          }),
        );
      } catch (err) {
        if (err instanceof AuthError) return deny(res, err.status, err.message);
        throw err;
      }
      // Anonymous requests get the anonymous role, which may even be admin in dev: require real credentials.
      if (!identity || identity.anonymous) return deny(res, 401, 'admin credentials required');
      if (identity.role !== 'admin') return deny(res, 403, 'admin role required');
      board()(req, res);
    },
    async close(): Promise<void> {
      await Promise.all(queues.map((q) => q.close()));
      connection?.disconnect();
    },
  };
}
