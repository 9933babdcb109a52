import { z } from 'zod';

/** Every variable any Newsline process reads. One schema, so a typo fails at start-up, not at first use. */
const port = (def: number) => z.coerce.number().int().min(1).max(65535).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGO_URL: z
    .string({ error: 'is required (the launcher sets it for the embedded FerretDB)' })
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL'),
  REDIS_URL: z
    .string({ error: 'is required (the launcher sets it for the embedded Redis)' })
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  GATEWAY_PORT: port(4000),
  ARTICLES_PORT: port(4001),
  SOURCES_PORT: port(4002),
  COMPLIANCE_PORT: port(4003),
  WORKERS_PORT: port(4010),
  DEMO_PUBLISHER_PORT: port(4080),
  SUBGRAPH_ARTICLES_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
  SUBGRAPH_SOURCES_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
  SUBGRAPH_COMPLIANCE_URL: z.string().url().default('http://127.0.0.1:4003/graphql'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  HTTP_USER_AGENT: z.string().min(3).default('NewslineBot/0.1 (+https://github.com/newsline)'),
  /** Hosts or CIDRs the SSRF guard lets through (the demo publisher and tests live on loopback). */
  HTTP_ALLOW_HOSTS: csv,
  HTTP_HOST_RATE_PER_SEC: z.coerce.number().positive().default(1),
  HTTP_HOST_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  FETCH_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  EXTRACT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  ENTRY_HORIZON_DAYS: z.coerce.number().int().min(1).default(14),
  DEMO_SOURCES: bool(true),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;
export const configKeys = Object.keys(configSchema.shape) as ConfigKey[];

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as shells and compose files often pass them.
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(clean);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

/** Exit code for a bad configuration (sysexits EX_CONFIG). */
export const EXIT_CONFIG = 78;

export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}
