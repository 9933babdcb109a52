import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { GATEWAY_QUERY, filterVariants } from './api';
import { openLoop, percentile, round, type RunResult, type Target } from './load';
import { startBenchStack } from './stack';

const q = (query: string, variables: object = {}) => JSON.stringify({ query, variables });
const PAGE = `query($filter: HeadlineFilter) { headlines(filter: $filter, first: 10) { edges { node { title } } } }`;
const SEARCH = `query($q: String!) { search(query: $q, first: 10) { edges { node { title } } } }`;

/** The abuses sent while normal clients are measured: each must get a typed error (or a harmless answer) within 1 s. */
export function attacks(): [string, string][] {
  let nested = 'id';
  for (let i = 0; i < 40; i++) nested = `story { articles { ${nested} } }`;
  return [
    ['deep query', q(`{ headlines(first: 1) { edges { node { ${nested} } } } }`)],
    [
      'wide query',
      q(`{ ${Array.from({ length: 200 }, (_, i) => `f${i}: headlines(first: 100) { edges { node { title body } } }`).join(' ')} }`),
    ],
    [
      'alias bomb',
      q(`{ headlines(first: 100) { edges { node { ${Array.from({ length: 5000 }, (_, i) => `a${i}: title`).join(' ')} } } } }`),
    ],
    ['batched operations', JSON.stringify(Array.from({ length: 50 }, () => ({ query: '{ __typename }' })))],
    ['introspection (disabled)', q('{ __schema { types { name fields { name } } } }')],
    ['malformed JSON', '{"query": "{ __typename }", "variables": {'],
    ['oversize body', JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(300_000) } })],
    ['huge variables', q(PAGE, { filter: { languages: Array.from({ length: 10_000 }, (_, i) => `l${i}`) } })],
    ['operator injection', q(PAGE, { filter: { languages: [{ $gt: '' }] } })],
    ['regex DoS in search', q(SEARCH, { q: `${'(a+)+'.repeat(50)}$ ${'a'.repeat(5000)}` })],
  ];
}

interface AbuseResult {
  sent: number;
  typed: number;
  answered: number;
  untyped: { name: string; status: number; body: string }[];
  latenciesMs: number[];
}

/** Open loop of abusive requests, round-robin over the attacks, until `signal` aborts. */
async function abuse(url: string, rate: number, signal: AbortSignal): Promise<AbuseResult> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
  const list = attacks();
  const r: AbuseResult = { sent: 0, typed: 0, answered: 0, untyped: [], latenciesMs: [] };
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; !signal.aborted; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const [name, body] = list[i % list.length]!;
    r.sent++;
    inflight.push(
      (async () => {
        try {
          const res = await pool.request({
            path: u.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.body.text();
          r.latenciesMs.push(performance.now() - due);
          let code: unknown;
          let data: unknown;
          try {
            const j = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
            code = j.errors?.[0]?.extensions?.code;
            data = j.data;
          } catch {
            code = undefined;
          }
          if (res.statusCode < 500 && typeof code === 'string') r.typed++;
          else if (res.statusCode === 200 && data && !code) r.answered++;
          else r.untyped.push({ name, status: res.statusCode, body: text.slice(0, 200) });
        } catch (e) {
          r.latenciesMs.push(performance.now() - due);
          r.untyped.push({ name, status: 0, body: String(e).slice(0, 200) });
        }
      })(),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  r.latenciesMs.sort((a, b) => a - b);
  return r;
}

/**
 * `npm run bench -- hostile [--rate 20] [--abuse-rate 50] [--duration 30] [--articles 1000] [--json]`
 *
 * Normal clients (headline pages, 100 filter variants, open loop at `--rate` req/s through the
 * gateway) are measured twice in the same run: alone, then while abusive requests (deep, wide,
 * alias bomb, batched, introspection, malformed, oversize, huge variables, operator injection,
 * regex DoS) arrive at `--abuse-rate` req/s. Targets (issue #7): every abusive request gets a
 * typed error (or a harmless answer) within 1 s, and the normal clients' p99 stays ≤ 2× unloaded.
 * Ends with one JSON line.
 */
export async function runHostileBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '20' },
      'abuse-rate': { type: 'string', default: '50' },
      duration: { type: 'string', default: '30' },
      articles: { type: 'string', default: '1000' },
      json: { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  const abuseRate = Number(values['abuse-rate']);
  const ms = Number(values.duration) * 1000;
  const say = (s: string) => !values.json && process.stderr.write(`${s}\n`);
  const s = await startBenchStack({
    prefix: 'hostile',
    articles: Number(values.articles),
    gatewayEnv: { GATEWAY_INTROSPECTION: 'false' },
    log: values.json ? () => undefined : (m) => process.stderr.write(`[stack] ${m}\n`),
  });
  try {
    const normal: Target = {
      url: s.urls.gateway,
      bodies: filterVariants().map((filter) => JSON.stringify({ query: GATEWAY_QUERY, variables: { filter } })),
      headers: () => ({}),
    };
    // Warm every variant (planner, caches, connections) so both measured runs start alike.
    await openLoop(normal, rate, Math.min(ms, 5000));
    const unloaded = await openLoop(normal, rate, ms);
    const p = (r: RunResult) => round(percentile(r.latenciesMs, 99));
    say(`normal clients alone: ${unloaded.requests} requests, ${unloaded.errors} errors, p99 ${p(unloaded)} ms`);
    const stop = new AbortController();
    const abusing = abuse(s.urls.gateway, abuseRate, stop.signal);
    const loaded = await openLoop(normal, rate, ms);
    stop.abort();
    const a = await abusing;
    say(`normal clients under abuse: ${loaded.requests} requests, ${loaded.errors} errors, p99 ${p(loaded)} ms`);
    say(
      `abusive: ${a.sent} sent, ${a.typed} typed errors, ${a.answered} harmless answers, ${a.untyped.length} untyped; p99 ${round(percentile(a.latenciesMs, 99))} ms`,
    );
    for (const u of a.untyped.slice(0, 5)) say(`  untyped: ${u.name} → ${u.status} ${u.body}`);
    const line = {
      normalRate: rate,
      abuseRate,
      normalP99UnloadedMs: p(unloaded),
      normalP99UnderAbuseMs: p(loaded),
      p99Ratio: round(percentile(loaded.latenciesMs, 99) / percentile(unloaded.latenciesMs, 99)),
      normalErrors: unloaded.errors + loaded.errors,
      abusive: a.sent,
      typed: a.typed,
      answered: a.answered,
      untyped: a.untyped.length,
      abusiveP99Ms: round(percentile(a.latenciesMs, 99)),
      abusiveMaxMs: round(a.latenciesMs.at(-1) ?? NaN),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return line.untyped === 0 && line.normalErrors === 0 && line.abusiveMaxMs < 1000 && line.p99Ratio <= 2 ? 0 : 1;
  } finally {
    await s.stop();
  }
}
