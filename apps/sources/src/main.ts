import { bootApp } from '@newsline/lifecycle';

// The sources subgraph: publishers, their feeds and feed health.
void bootApp({
  name: 'sources',
  port: (c) => c.SOURCES_PORT,
  setup: async () => ({}),
});
