import { bootApp } from '@newsline/lifecycle';

// The public GraphQL endpoint composing the subgraphs.
void bootApp({
  name: 'gateway',
  port: (c) => c.GATEWAY_PORT,
  setup: async () => ({}),
});
