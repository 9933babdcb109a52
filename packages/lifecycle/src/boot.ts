import { loadConfigOrExit, type Config } from '@newsline/config';
import { createLogger, type Logger } from '@newsline/logger';
import { createStore, type Store } from '@newsline/store';
import Redis from 'ioredis';
import { startService, type Handler, type Service } from './index';

export interface AppContext {
  config: Config;
  log: Logger;
  store: Store;
  redis: Redis;
}

export interface AppSpec {
  name: string;
  port: (c: Config) => number;
  /** Builds the app on the connected context; returns its request handler and how to stop it. */
  setup: (ctx: AppContext) => Promise<{ handler?: Handler; stop?: () => Promise<void>; checks?: Record<string, () => Promise<boolean>> }>;
  env?: Record<string, string | undefined>;
}

/**
 * The common start-up of every app: typed config (exit 78 on bad env), JSON logs, Mongo and
 * Redis connections, health routes, and a SIGTERM path that stops the app before closing them.
 */
export async function bootApp(spec: AppSpec): Promise<AppContext & { service: Service }> {
  const config = loadConfigOrExit(spec.env ?? process.env);
  const log = createLogger(spec.name, { level: config.LOG_LEVEL });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const store = await createStore(config.MONGO_URL);
  // maxRetriesPerRequest null: BullMQ requires it, and commands should wait out a Redis restart.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, enableReadyCheck: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const ctx: AppContext = { config, log, store, redis };
  let app: Awaited<ReturnType<AppSpec['setup']>>;
  try {
    app = await spec.setup(ctx);
  } catch (err) {
    // A process that failed to set up must not linger half-started (its open connections
    // would keep it alive, serving nothing): say why and exit, so a supervisor restarts it.
    log.fatal({ err }, `${spec.name} setup failed`);
    process.exit(1);
  }
  const service = await startService({
    name: spec.name,
    port: spec.port(config),
    host: process.env.BIND_HOST ?? '127.0.0.1',
    log,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    handler: app.handler,
    checks: {
      mongo: () => store.ping(),
      redis: async () => (await redis.ping()) === 'PONG',
      ...app.checks,
    },
    onShutdown: async () => {
      await app.stop?.();
      redis.disconnect();
      await store.close();
    },
  });
  return { ...ctx, service };
}
