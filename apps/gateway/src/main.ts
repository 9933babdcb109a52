import { bootApp } from '@newsline/lifecycle';
import { createGateway } from './gateway';

// The public GraphQL endpoint composing the subgraphs (static supergraph.graphql, see scripts/compose.ts).
async function main() {
  let gw: ReturnType<typeof createGateway> | undefined;
  const app = await bootApp({
    name: 'gateway',
    port: (c) => c.GATEWAY_PORT,
    setup: async ({ config, redis, log }) => {
      gw = createGateway(config, { redis, log });
      await gw.warmup();
      return { handler: gw.handler, stop: () => gw!.stop() };
    },
  });
  gw!.attach(app.service.server);
}

void main();
