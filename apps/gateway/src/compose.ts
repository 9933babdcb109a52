import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { buildArticlesSchema } from '../../articles/src/schema';
import { buildComplianceSchema } from '../../compliance/src/schema';
import { buildSourcesSchema } from '../../sources/src/schema';
import { subgraphSdl } from '@newsline/subgraph';

/** Placeholder URLs baked into the supergraph; the gateway overrides them from SUBGRAPH_*_URL. */
export const SUBGRAPHS = [
  { name: 'articles', url: 'http://127.0.0.1:4001/graphql', build: buildArticlesSchema },
  { name: 'sources', url: 'http://127.0.0.1:4002/graphql', build: buildSourcesSchema },
  { name: 'compliance', url: 'http://127.0.0.1:4003/graphql', build: buildComplianceSchema },
] as const;

export async function subgraphSdls(): Promise<{ name: string; url: string; sdl: string }[]> {
  return Promise.all(SUBGRAPHS.map(async (s) => ({ name: s.name, url: s.url, sdl: subgraphSdl(await s.build()) })));
}

/** Composes the supergraph from the subgraphs' own schemas (build-time only: pulls in their code). */
export async function composeSupergraph(): Promise<string> {
  const subs = await subgraphSdls();
  const result = composeServices(subs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors?.length || !result.supergraphSdl)
    throw new Error(`supergraph composition failed:\n${(result.errors ?? []).map((e) => `  - ${e.message}`).join('\n')}`);
  return `${result.supergraphSdl.trim()}\n`;
}
