import { readFileSync } from 'node:fs';
import { composeSupergraph } from '../src/compose';
import { SUPERGRAPH_PATH } from '../src/gateway';

describe('supergraph.graphql', () => {
  it('composes from the subgraph schemas without errors and matches the checked-in file', async () => {
    const sdl = await composeSupergraph();
    // On drift: `npm run compose -w @newsline/gateway` and commit the result.
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(sdl);
    expect(sdl).toMatch(/type Source[\s\S]*@join__type\(graph: ARTICLES, key: "id", resolvable: false\)/);
    expect(sdl).toMatch(/headlineAdded\(filter: LiveFilter\): Headline!/);
  });
});
