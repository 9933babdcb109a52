import type { AppContext } from '@newsline/lifecycle';
import { politeClientFromConfig } from '@newsline/http';
import { createGraphQLHandler } from '@newsline/subgraph';
import { buildSourcesSchema, createLoaders, type SourcesContext } from './schema';

/** Builds the sources subgraph on a connected context (used by main.ts and the API tests). */
export async function setupSources({ store, config, redis }: Pick<AppContext, 'store' | 'config'> & { redis?: AppContext['redis'] }) {
  await store.ensureIndexes();
  // Discovery fetches publishers' pages: through the same polite client (and Redis-shared limits) as the workers.
  const http = redis ? politeClientFromConfig(config, redis) : undefined;
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
