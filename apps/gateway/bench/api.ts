import { parseArgs } from 'node:util';
import { closedLoop, openLoop, percentile, round, type RunResult, type Target } from './load';
import { LANGS, SECTIONS, startBenchStack, T0, procMemMiB } from './stack';

/** The headline page of the benchmark: first 20, with the federated source name through the gateway. */
const PAGE = (source: string) =>
  `query Page($filter: HeadlineFilter) { headlines(filter: $filter, first: 20) { edges { cursor node { id title url publishedAt language section source { ${source} } } } pageInfo { hasNextPage endCursor } } }`;
export const GATEWAY_QUERY = PAGE('id name');
/** Direct baseline: the same page from the articles subgraph alone, which can only give the source's id. */
export const DIRECT_QUERY = PAGE('id');

/** 100 distinct filters: 10 language sets × with/without a section, each with its own `from` (minutes after T0). */
export function filterVariants(n = 100): Record<string, unknown>[] {
  const langSets: (string[] | undefined)[] = [
    undefined,
    ...LANGS.map((l) => [l]),
    ['en', 'de'],
    ['ja', 'ru'],
    ['fr', 'en', 'ru'],
    [...LANGS],
  ];
  return Array.from({ length: n }, (_, i) => ({
    ...(langSets[i % langSets.length] ? { languages: langSets[i % langSets.length] } : {}),
    ...(i % 2 ? { section: SECTIONS[i % SECTIONS.length] } : {}),
    from: new Date(T0 + i * 60_000).toISOString(),
  }));
}

/** The gateway's response-cache counters (hit, stale, miss, shared) and latency histogram (`le:<seconds>`) from its /metrics. */
async function cacheCounts(gatewayUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^newsline_gateway_cache_requests_total\{result="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  for (const m of text.matchAll(/^newsline_gateway_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm))
    out[`le:${m[1]}`] = Number(m[2]);
  return out;
}

/**
 * Upper bound (ms) of the histogram bucket holding the p99 of the requests between two scrapes:
 * the gateway's own time from request handler to response end, without client or socket queueing.
 */
function serverP99Ms(a: Record<string, number>, b: Record<string, number>): number | null {
  const les = Object.keys(b)
    .filter((k) => k.startsWith('le:'))
    .map((k) => k.slice(3));
  const total = (b['le:+Inf'] ?? 0) - (a['le:+Inf'] ?? 0);
  if (!total) return null;
  for (const le of les.filter((l) => l !== '+Inf').sort((x, y) => Number(x) - Number(y)))
    if ((b[`le:${le}`] ?? 0) - (a[`le:${le}`] ?? 0) >= 0.99 * total) return Number(le) * 1000;
  return Infinity;
}

function cacheDelta(a: Record<string, number>, b: Record<string, number>) {
  const d = Object.fromEntries(['hit', 'stale', 'miss', 'shared'].map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
  const total = Object.values(d).reduce((x, y) => x + y, 0);
  // Answered without waiting for a subgraph: fresh hits and stale-while-refreshing answers.
  return { ...d, hitRatio: total ? round((d.hit! + d.stale!) / total, 3) : 0 };
}

const summary = (r: RunResult) =>
  `${r.requests} requests, ${r.errors} errors, ${round(r.rps, 1)} req/s, p50 ${round(percentile(r.latenciesMs, 50))} ms, p99 ${round(percentile(r.latenciesMs, 99))} ms`;

/**
 * `npm run bench -- api [--connections 16] [--duration 10] [--rate 200] [--open-duration 10] [--articles 3000] [--planner router|default] [--cache-ttl-ms N] [--json]`
 *
 * Headline page (first 20, with source names; 100 filter variants) through the gateway vs the same
 * page straight from the articles subgraph (source id only: the subgraph cannot name sources), both
 * closed-loop with a fixed number of connections for a fixed time; then an open-loop run at
 * `--rate` req/s through the gateway for its p99. Ends with one JSON line, which also gives the
 * gateway response cache's outcomes per run (`closedCache`, `openCache`: hit, stale, miss, shared,
 * hitRatio); `--cache-ttl-ms 0` measures the gateway without its cache.
 */
export async function runApiBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '10' },
      rate: { type: 'string', default: '200' },
      'open-duration': { type: 'string', default: '10' },
      articles: { type: 'string', default: '3000' },
      planner: { type: 'string', default: 'router' },
      // Passed to the gateway as GATEWAY_CACHE_TTL_MS (0: no response cache); unset: the gateway's default.
      'cache-ttl-ms': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const connections = Number(values.connections);
  const durationMs = Number(values.duration) * 1000;
  const rate = Number(values.rate);
  const openMs = Number(values['open-duration']) * 1000;
  const say = (s: string) => !values.json && process.stderr.write(`${s}\n`);

  const s = await startBenchStack({
    prefix: 'api',
    articles: Number(values.articles),
    gatewayEnv: {
      GATEWAY_PLANNER: values.planner!,
      ...(values['cache-ttl-ms'] !== undefined ? { GATEWAY_CACHE_TTL_MS: values['cache-ttl-ms'] } : {}),
    },
    log: values.json ? () => undefined : (m) => process.stderr.write(`[stack] ${m}\n`),
  });
  try {
    const filters = filterVariants();
    const gateway: Target = {
      url: s.urls.gateway,
      bodies: filters.map((filter) => JSON.stringify({ query: GATEWAY_QUERY, variables: { filter } })),
      headers: () => ({}),
    };
    let identity = s.readerIdentity();
    const resign = setInterval(() => (identity = s.readerIdentity()), 10_000);
    const direct: Target = {
      url: s.urls.articles,
      bodies: filters.map((filter) => JSON.stringify({ query: DIRECT_QUERY, variables: { filter } })),
      headers: () => ({ 'x-newsline-identity': identity }),
    };
    try {
      // Every variant answers a full page with named sources before anything is timed.
      for (const body of gateway.bodies) {
        const r = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const j = (await r.json()) as { data?: { headlines: { edges: { node: { source: { name: string } } }[] } }; errors?: unknown };
        const edges = j.data?.headlines.edges ?? [];
        if (j.errors || edges.length === 0 || edges.some((e) => !e.node.source.name?.startsWith('Bench Source')))
          throw new Error(`gateway answered a bad page: ${JSON.stringify(j).slice(0, 500)}`);
      }
      say(`checked ${gateway.bodies.length} filter variants through the gateway`);

      const warm = Math.min(3000, durationMs / 3);
      await closedLoop(direct, connections, warm);
      const d = await closedLoop(direct, connections, durationMs);
      say(`direct (articles subgraph, ${connections} connections, ${durationMs / 1000} s): ${summary(d)}`);
      await closedLoop(gateway, connections, warm);
      const c0 = await cacheCounts(gateway.url);
      const g = await closedLoop(gateway, connections, durationMs);
      const c1 = await cacheCounts(gateway.url);
      say(`gateway (${connections} connections, ${durationMs / 1000} s): ${summary(g)}; cache ${JSON.stringify(cacheDelta(c0, c1))}`);
      const o = await openLoop(gateway, rate, openMs);
      const c2 = await cacheCounts(gateway.url);
      say(`gateway open loop (${rate} req/s, ${openMs / 1000} s): ${summary(o)}; cache ${JSON.stringify(cacheDelta(c1, c2))}`);
      if (d.firstError) say(`direct first error: ${d.firstError}`);
      if (g.firstError) say(`gateway first error: ${g.firstError}`);
      if (o.firstError) say(`open-loop first error: ${o.firstError}`);
      const mem = procMemMiB(s.gateway.pid);
      const line = {
        gatewayRps: round(g.rps, 1),
        directRps: round(d.rps, 1),
        ratio: round(g.rps / d.rps, 3),
        p99Ms: round(percentile(o.latenciesMs, 99)),
        p50Ms: round(percentile(o.latenciesMs, 50)),
        openRate: rate,
        openErrors: o.errors,
        closedErrors: g.errors + d.errors,
        gatewayClosedP99Ms: round(percentile(g.latenciesMs, 99)),
        directClosedP99Ms: round(percentile(d.latenciesMs, 99)),
        connections,
        durationS: durationMs / 1000,
        planner: values.planner,
        baseline: 'articles subgraph direct, source { id } only',
        gatewayRssMiB: round(mem.hwm, 1),
        // Response cache outcomes during the closed-loop and the open-loop gateway runs (all zero with the cache off).
        closedCache: cacheDelta(c0, c1),
        openCache: cacheDelta(c1, c2),
        // The open loop's p99 as the gateway itself timed it (histogram bucket bound): the rest of p99Ms is queueing outside its handler.
        openServerP99LeMs: serverP99Ms(c1, c2),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      return g.errors + d.errors + o.errors > 0 ? 1 : 0;
    } finally {
      clearInterval(resign);
    }
  } finally {
    await s.stop();
  }
}
