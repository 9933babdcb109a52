import type { AppContext } from '@newsline/lifecycle';
import { takedownModel } from '@newsline/store';
import { createGraphQLHandler } from '@newsline/subgraph';
import { buildComplianceSchema, type ComplianceContext } from './schema';

/** Builds the compliance subgraph on a connected context (used by main.ts and the API tests). */
export async function setupCompliance({ store, config }: Pick<AppContext, 'store' | 'config'>) {
  await takedownModel(store.conn).createIndexes();
  const gql = await createGraphQLHandler<ComplianceContext>({
    schema: await buildComplianceSchema(),
    internalSecret: config.INTERNAL_AUTH_SECRET,
    development: config.NODE_ENV === 'development',
    context: (_req, identity) => ({ identity, store }),
  });
  return { handler: gql.handler, stop: gql.stop };
}
