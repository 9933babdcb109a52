import { bootApp } from '@newsline/lifecycle';
import { createReader } from './app';

// The public reader: server-rendered pages straight from the store (no gateway round trip).
void bootApp({
  name: 'reader',
  port: (c) => c.READER_PORT,
  setup: async ({ config, store, redis, log }) => {
    // Like the other apps that read the store: the hinted page indexes must exist (idempotent).
    await store.ensureIndexes();
    const sub = redis.duplicate();
    const reader = createReader({
      store,
      sub,
      log,
      gatewayUrl: config.READER_GATEWAY_URL,
      cachePages: config.READER_CACHE_PAGES,
      csrfSecret: config.READER_CSRF_SECRET,
      publicUrl: `http://127.0.0.1:${config.READER_PORT}`,
    });
    await reader.ready;
    return { handler: reader.handler, stop: async () => void sub.disconnect() };
  },
});
