import { bootApp } from '@newsline/lifecycle';
import { setupCompliance } from './app';

// The compliance subgraph: takedown requests (enforcement runs in the workers).
void bootApp({ name: 'compliance', port: (c) => c.COMPLIANCE_PORT, setup: setupCompliance });
