import type { AppContext } from '@newsline/lifecycle';
import { createGraphQLHandler } from '@newsline/subgraph';
import { buildSourcesSchema, createLoaders, type SourcesContext } from './schema';

/** Builds the sources subgraph on a connected context (used by main.ts and the API tests). */
export async function setupSources({ store, config }: Pick<AppContext, 'store' | 'config'>) {
  await store.ensureIndexes();
  const gql = await createGraphQLHandler<SourcesContext>({
    schema: await buildSourcesSchema(),
    internalSecret: config.INTERNAL_AUTH_SECRET,
    development: config.NODE_ENV === 'development',
    maxBodyBytes: 5_000_000, // OPML files can be large
    context: (_req, identity) => ({ identity, store, ...createLoaders(store) }),
  });
  return { handler: gql.handler, stop: gql.stop };
}
