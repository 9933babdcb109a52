import { bootApp } from '@newsline/lifecycle';

// BullMQ workers: feed fetching, extraction, takedown enforcement.
void bootApp({
  name: 'workers',
  port: (c) => c.WORKERS_PORT,
  setup: async () => ({}),
});
