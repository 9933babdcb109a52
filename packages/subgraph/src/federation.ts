import 'reflect-metadata';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, parse, specifiedDirectives } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions, type PubSub } from 'type-graphql';
import { authChecker } from './auth';

/** Our subscriptions bring their own `subscribe` (Redis fan-out); type-graphql still insists on a PubSub. */
const noPubSub: PubSub = {
  publish: () => undefined,
  subscribe: () => {
    throw new Error('topic subscriptions are not used: every @Subscription has its own subscribe');
  },
};

type ResolverMap = Record<string, Record<string, unknown>>;

/** Federation 2 link; only the directives our subgraphs use are imported. */
export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external"])';

/**
 * type-graphql schema → federated subgraph schema: print the type-graphql schema with its
 * @Directive()s, prepend the federation link, and rebuild with @apollo/subgraph so _service and
 * _entities exist. `references` adds __resolveReference per entity type.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'authChecker' | 'skipCheck'>,
  references: Record<string, (ref: { id: string }, ctx: unknown) => unknown> = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    pubSub: noPubSub,
    ...options,
    authChecker,
    skipCheck: true,
    validate: false,
    directives: [...specifiedDirectives],
  });
  const resolvers = createResolversMap(schema) as ResolverMap;
  for (const [type, resolve] of Object.entries(references)) {
    resolvers[type] = { ...resolvers[type], __resolveReference: resolve };
  }
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  // @apollo/subgraph's resolver type is stricter than type-graphql's map; the shapes are compatible.
  return buildSubgraphSchema({
    typeDefs,
    resolvers: resolvers as Parameters<typeof buildSubgraphSchema>[0] extends { resolvers?: infer R } ? R : never,
  });
}

/** The SDL the composer consumes (what `_service { sdl }` returns). */
export function subgraphSdl(schema: GraphQLSchema): string {
  return printSubgraphSchema(schema);
}
