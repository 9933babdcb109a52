// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- graphql-ws/use/ws is an exports subpath node10 resolution cannot see
/// <reference path="./graphql-ws.d.ts" />
import type { Server } from 'node:http';
import type { AppContext } from '@newsline/lifecycle';
import { createGraphQLHandler, IDENTITY_HEADER, verifyIdentity } from '@newsline/subgraph';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { LiveHub } from './live';
import { RecentWindow } from './recent-window';
import { buildArticlesSchema, type ArticlesContext } from './schema';

/** Builds the articles subgraph on a connected context (used by main.ts and the API tests). */
export async function setupArticles({ store, redis, config }: Pick<AppContext, 'store' | 'redis' | 'config'>) {
  await store.ensureIndexes();
  const hub = new LiveHub(redis, config.SUBSCRIPTION_BUFFER);
  await hub.start();
  const recent =
    config.ARTICLES_WINDOW_SIZE > 0
      ? new RecentWindow(store, { size: config.ARTICLES_WINDOW_SIZE, maxAgeMs: config.ARTICLES_WINDOW_MAX_AGE_MS })
      : undefined;
  await recent?.start(redis);
  const schema = await buildArticlesSchema();
  const gql = await createGraphQLHandler<ArticlesContext>({
    schema,
    internalSecret: config.INTERNAL_AUTH_SECRET,
    development: config.NODE_ENV === 'development',
    context: (_req, identity) => ({ identity, store, window: recent }),
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
        return { identity: verifyIdentity(config.INTERNAL_AUTH_SECRET, header), store, live: hub } satisfies ArticlesContext;
      },
    },
    wss,
  );
  return {
    hub,
    window: recent,
    handler: gql.handler,
    /** graphql-ws on the same /graphql path as HTTP. */
    attach(server: Server) {
      server.on('upgrade', (req, socket, head) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/graphql') return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    },
    stop: async () => {
      for (const c of wss.clients) c.close(1001, 'shutting down');
      wss.close();
      await hub.stop();
      await recent?.stop();
      await gql.stop();
    },
  };
}
