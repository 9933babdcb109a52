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

export const DEV_LINK_SECRET = 'newsline-dev-takedown-link-secret';

const baseSchema = z.object({
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
  DEMO_PUBLISHER_PORT: z.coerce.number().int().min(0).max(65535).default(4080),
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
  FEED_MIN_INTERVAL_SEC: z.coerce.number().int().min(1).default(300),
  FEED_MAX_INTERVAL_SEC: z.coerce.number().int().min(5).default(86_400),
  SCHEDULER_TICK_MS: z.coerce.number().int().min(50).default(5_000),
  EXTRACT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(4),
  /** Articles still pending extraction after this long get their extract job re-driven (nothing is lost). */
  EXTRACT_REPAIR_AFTER_SEC: z.coerce.number().int().min(5).default(300),
  /** BullMQ job lock: a job whose worker died is taken over after about this long (stalled-job recovery). */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** A fetch or extract job still running after this long fails (an attempt spent) and frees its slot. */
  JOB_DEADLINE_SEC: z.coerce.number().int().min(5).default(300),
  // --- WebSub subscriber (apps/workers/src/websub) ---
  /** Public base URL of the workers' callback route (`<base>/websub/...`) that hubs reach; unset: WebSub off, feeds are only polled. */
  WEBSUB_CALLBACK_URL: z.string().url().optional(),
  /** Lease asked of hubs; the hub may grant less. */
  WEBSUB_LEASE_SEC: z.coerce.number().int().min(60).default(86_400),
  /** A subscription is renewed when its lease has less than this left (or a tenth of it, whichever is less). */
  WEBSUB_RENEW_BEFORE_SEC: z.coerce.number().int().min(10).default(3_600),
  /** Poll interval of a feed a live subscription delivers: polling stays on as the slow safety net. */
  WEBSUB_POLL_INTERVAL_SEC: z.coerce.number().int().min(60).default(3_600),
  /** Largest pushed body accepted (413 above). */
  WEBSUB_MAX_PUSH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  /** How often the renewal loop looks for leases to renew and requests to retry. */
  WEBSUB_RENEW_CHECK_MS: z.coerce.number().int().min(100).default(60_000),
  /** Largest (decompressed) sitemap document read. */
  SITEMAP_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(50 * 1024 * 1024),
  /** JSON file of sources to register at start (see apps/workers/README.md). */
  SOURCES_FILE: z.string().optional(),
  DEMO_PUBLISHER_URL: z.string().url().default('http://127.0.0.1:4080'),
  DEMO_PUBLISHER_HOST: z.string().default('127.0.0.1'),
  /** Base URL the demo publisher writes into its feeds when it sits behind a proxy. */
  DEMO_PUBLISHER_PUBLIC_URL: z.string().url().optional(),
  /** Publish a new demo entry every N ms (0: only the initial catalog). */
  DEMO_PUBLISHER_PUBLISH_EVERY_MS: z.coerce.number().int().min(0).default(0),
  DEMO_SOURCES: bool(true),
  // --- GraphQL API (gateway + subgraphs) ---
  /** `key:role,key:role` with role reader|editor|admin; keys are sent as `x-api-key` or `Authorization: ApiKey <key>`. */
  API_KEYS: z
    .string()
    .default('')
    .refine(
      (v) =>
        v
          .split(',')
          .filter((s) => s.trim())
          .every((p) => /^[^:\s]{8,}:(reader|editor|admin)$/.test(p.trim())),
      'must be key:role pairs (key ≥ 8 chars, role reader|editor|admin)',
    ),
  /** HS256 secret for bearer JWTs carrying a `role` claim; empty disables JWT auth. */
  JWT_SECRET: z.string().default(''),
  /** HMAC secret the gateway signs forwarded identities with and subgraphs verify; set it in production. */
  INTERNAL_AUTH_SECRET: z.string().min(16).default('newsline-dev-internal-auth-secret'),
  /** Role of requests without credentials (`none`: queries need a key too; submitTakedown stays public). */
  ANONYMOUS_ROLE: z.enum(['none', 'reader', 'editor', 'admin']).default('reader'),
  /** Query planner: the Rust router planner (`router`) or the JS federation planner (`default`). */
  GATEWAY_PLANNER: z.enum(['router', 'default']).default('router'),
  GATEWAY_MAX_DEPTH: z.coerce.number().int().min(2).default(12),
  GATEWAY_MAX_COST: z.coerce.number().int().min(10).default(5000),
  /** Parser token budget: an alias bomb or a 200-field query stops at parse time, before any other work. */
  GATEWAY_MAX_TOKENS: z.coerce.number().int().min(100).default(2000),
  GATEWAY_MAX_ALIASES: z.coerce.number().int().min(1).default(30),
  /** Longest list accepted anywhere in a request's variables. */
  GATEWAY_MAX_LIST_ITEMS: z.coerce.number().int().min(1).default(100),
  /** Requests per minute per API key (or per client IP when anonymous), counted in Redis. */
  GATEWAY_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(600),
  GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(100_000),
  GATEWAY_CORS_ORIGINS: csv,
  /** JSON file `{ "<id>": "<query>" }` of persisted operations. */
  GATEWAY_PERSISTED_QUERIES_FILE: z.string().optional(),
  /** Accept only persisted operations (ids from GATEWAY_PERSISTED_QUERIES_FILE). */
  GATEWAY_PERSISTED_ONLY: bool(false),
  /** GraphQL introspection through the gateway; unset: allowed except when NODE_ENV=production. */
  GATEWAY_INTROSPECTION: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
  /** Gateway response cache: catalogue query results (headlines, search, articles, sources) stay fresh this long; 0 disables the cache. */
  GATEWAY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  /** After the TTL, an entry is still served for this long while one request refreshes it (worst-case age: TTL + this). */
  GATEWAY_CACHE_STALE_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  /** Most cached responses kept per gateway instance (oldest dropped first). */
  GATEWAY_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Articles subgraph: newest articles kept in memory for headlines/search pages (one sorted read shared by all filters); 0 disables. */
  ARTICLES_WINDOW_SIZE: z.coerce.number().int().min(0).max(100_000).default(2_000),
  /** Oldest that in-memory window may be (bounds writes that publish no event; evented adds/updates/removals apply at once). */
  ARTICLES_WINDOW_MAX_AGE_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Retention: article bodies (body, text) are dropped this many days after publication; headline, summary, link and attribution stay. 0 keeps them. */
  RETENTION_BODY_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** Retention: articles are deleted this many days after publication (their takedown tombstones stay). 0 keeps them. */
  RETENTION_DELETE_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** How often the workers apply the retention policy (one worker at a time). */
  RETENTION_INTERVAL_SEC: z.coerce.number().int().min(10).max(86_400).default(3_600),
  /** Events buffered per live subscriber before a slow consumer is cut off. */
  SUBSCRIPTION_BUFFER: z.coerce.number().int().min(1).max(10_000).default(256),
  // --- Takedowns (compliance subgraph + enforcement worker) ---
  /** Hours from receipt by which a takedown must be enforced; later ones count as overdue. */
  TAKEDOWN_DEADLINE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(24),
  /** `verified-contacts`: approve at once when the requester's email is in the source's verifiedContacts; `none`: always wait for an admin. */
  TAKEDOWN_AUTO_APPROVE: z.enum(['none', 'verified-contacts']).default('verified-contacts'),
  /** submitTakedown calls per client per hour, counted in Redis. */
  TAKEDOWN_SUBMIT_RATE_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** How often the workers' sweeper re-enqueues approved requests, counts overdue ones and re-verifies. */
  TAKEDOWN_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
  /** Enforced scopes are re-checked for leftovers when their last verification is older than this. */
  TAKEDOWN_REVERIFY_MINUTES: z.coerce.number().positive().default(60),
  TAKEDOWN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** HMAC key of the confirmation and status links sent to requesters; the dev default is refused when NODE_ENV=production. */
  TAKEDOWN_LINK_SECRET: z.string().min(16).default(DEV_LINK_SECRET),
  /** Hours a confirmation link stays valid; an unconfirmed request then expires without effect. */
  TAKEDOWN_CONFIRM_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  /** Hours an enforced removal stays contested before the content is reinstated, unless an admin upholds it. */
  TAKEDOWN_COUNTER_WAIT_HOURS: z.coerce.number().min(0).max(24 * 90).default(240),
  /** Confirmation mails per requester address per hour (on top of the per-client limit). */
  TAKEDOWN_EMAIL_RATE_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** Public base URL of the links in notices: the compliance app serves /takedowns/confirm and /takedowns/status. */
  TAKEDOWN_PUBLIC_URL: z.string().url().default('http://127.0.0.1:4003'),
  // --- Mail (notices to takedown requesters, through the workers' BullMQ `mail` queue) ---
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: port(1025),
  /** Implicit TLS (port 465); otherwise STARTTLS is used when the server offers it. */
  SMTP_SECURE: bool(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  MAIL_FROM: z.string().min(3).default('Newsline compliance <compliance@newsline.invalid>'),
  // --- operator tools (dashboard, queue board, CLI) ---
  DASHBOARD_PORT: port(4020),
  /** Gateway origin the dashboard server proxies /graphql (HTTP and WebSocket) to, so the page needs no CORS. */
  DASHBOARD_GATEWAY_URL: z.string().url().default('http://127.0.0.1:4000'),
  READER_PORT: port(4030),
  /** Gateway origin the reader's removal form submits `submitTakedown` to (the compliance path). */
  READER_GATEWAY_URL: z.string().url().default('http://127.0.0.1:4000'),
  /** Rendered pages the reader keeps in memory (LRU, purged on headline.removed). */
  READER_CACHE_PAGES: z.coerce.number().int().min(0).max(100_000).default(5_000),
  /** Secret of the removal form's CSRF tokens; unset: a random one per process. */
  READER_CSRF_SECRET: z.string().min(16).optional(),
  /** BullMQ key prefix of the workers' queues, shown by /admin/queues and used by `newsline ingest now`. */
  BULLMQ_PREFIX: z.string().min(1).default('bull'),
});

// A forgeable link would let anyone confirm a takedown in someone else's name.
export const configSchema = baseSchema.superRefine((c, ctx) => {
  if (c.NODE_ENV === 'production' && c.TAKEDOWN_LINK_SECRET === DEV_LINK_SECRET)
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['TAKEDOWN_LINK_SECRET'], message: 'set a secret of your own in production' });
});

export type Config = z.infer<typeof baseSchema>;
export type ConfigKey = keyof Config;
export const configKeys = Object.keys(baseSchema.shape) as ConfigKey[];

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
