import { bootApp } from '@newsline/lifecycle';

// The compliance subgraph: takedown requests and their audit log.
void bootApp({
  name: 'compliance',
  port: (c) => c.COMPLIANCE_PORT,
  setup: async () => ({}),
});
