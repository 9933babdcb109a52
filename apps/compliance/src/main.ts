import { bootApp } from '@newsline/lifecycle';
import { setupCompliance } from './app';

// The compliance subgraph: takedown requests, decisions, the audit log (enforcement runs in the workers).
async function main() {
  let app: Awaited<ReturnType<typeof setupCompliance>> | undefined;
  const booted = await bootApp({
    name: 'compliance',
    port: (c) => c.COMPLIANCE_PORT,
    setup: async (ctx) => (app = await setupCompliance(ctx)),
  });
  app!.attach(booted.service.server);
}

void main();
