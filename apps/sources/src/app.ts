import type { AppContext } from '@newsline/lifecycle';
import { createPoliteClient } from '@newsline/http';
import { createGraphQLHandler } from '@newsline/subgraph';
import { buildSourcesSchema, createLoaders, type SourcesContext } from './schema';

/** Builds the sources subgraph on a connected context (used by main.ts and the API tests). */
export async function setupSources({ store, config, redis }: Pick<AppContext, 'store' | 'config'> & { redis?: AppContext['redis'] }) {
  await store.ensureIndexes();
  // Discovery fetches publishers' pages: through the same polite client (and Redis-shared limits) as the workers.
  const http = redis
    ? createPoliteClient({
        redis,
        userAgent: config.HTTP_USER_AGENT,
        robotsToken: config.HTTP_USER_AGENT.split('/')[0]!,
        allowHosts: config.HTTP_ALLOW_HOSTS,
        hostRatePerSec: config.HTTP_HOST_RATE_PER_SEC,
        hostConcurrency: config.HTTP_HOST_CONCURRENCY,
      })
    : undefined;
  const gql = await createGraphQLHandler<SourcesContext>({
    schema: await buildSourcesSchema(),
    internalSecret: config.INTERNAL_AUTH_SECRET,
    development: config.NODE_ENV === 'development',
    maxBodyBytes: 5_000_000, // OPML files can be large
    context: (_req, identity) => ({ identity, store, http, ...createLoaders(store) }),
  });
  return {
    handler: gql.handler,
    stop: async () => {
      await gql.stop();
      await http?.close();
    },
  };
}
