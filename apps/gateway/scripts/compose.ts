// Writes apps/gateway/supergraph.graphql from the subgraph schemas: `npm run compose -w @newsline/gateway`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph } from '../src/compose';

composeSupergraph().then(
  (sdl) => {
    writeFileSync(join(__dirname, '..', 'supergraph.graphql'), sdl);
    console.log('wrote supergraph.graphql');
  },
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
