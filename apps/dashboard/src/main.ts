import { bootApp } from '@newsline/lifecycle';
import { createDashboardServer } from './server';

// The web dashboard: static Vite build plus a same-origin proxy to the gateway.
async function main() {
  let dash: ReturnType<typeof createDashboardServer> | undefined;
  const app = await bootApp({
    name: 'dashboard',
    port: (c) => c.DASHBOARD_PORT,
    setup: async ({ config, log }) => {
      dash = createDashboardServer({ gatewayUrl: config.DASHBOARD_GATEWAY_URL });
      log.info({ gateway: config.DASHBOARD_GATEWAY_URL }, 'serving the dashboard');
      return { handler: dash.handler };
    },
  });
  app.service.server.on('upgrade', dash!.upgrade);
}

void main();
