import { parseArgs } from 'node:util';
import { loadConfig } from '@newsline/config';
import { articleIdFor, decodeEvent, encodeEvent, EVENTS_CHANNEL } from '@newsline/domain';
import { ensureStack } from '@newsline/embedded-stack';
import { createLogger } from '@newsline/logger';
import { startPublisherFarm } from '@newsline/publisher-sim';
import { createStore, takedownModel } from '@newsline/store';
import {
  decodeTakedownUpdate,
  matchesScope,
  findScopeMatches,
  scopeKey,
  TAKEDOWN_CHANNEL,
  TombstoneGate,
  verifyAuditChain,
  type MatchScope,
  type ScopeKind,
} from '@newsline/takedowns';
import { createClient } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { freePort, startApp, type App } from '../../gateway/bench/stack';
import { approveTakedown } from '../../compliance/src/service';
import { createIngestContext } from '../src/context';
import { createQueues, startWorkers } from '../src/queues';
import { registerSources } from '../src/sources';
import { gatedEnqueueExtract } from '../src/takedown/gate';
import { createTakedownQueue, startTakedownWorker } from '../src/takedown/queue';

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!);
};

/**
 * `npm run bench -- takedown [--takedowns 100] [--hosts 8] [--feeds-per-host 3] [--publish-every 9]
 *   [--poll-ms 3000] [--interval 150] [--watch 15] [--json]`
 * A publisher farm keeps publishing (one entry every --publish-every ms: 111 a second by default,
 * of which the scopes taken down block about 45% — two whole hosts of eight and five feeds — so
 * about 55 a second are stored)
 * while the real fetch workers poll every feed every --poll-ms behind the tombstone gate;
 * `ingestPerSec` is the rate of `article.added` events over the approval window. Once ingestion is warm, `--takedowns` requests of mixed scope
 * (URL, feed PREFIX, whole DOMAIN, SOURCE) are approved through the compliance service, one
 * every `--interval` ms, and enforced by the takedown worker. Measured per request, from the
 * approval call: `p50Ms`/`p99Ms` until the request is enforced and a query for the scope (the
 * articles the `article(id)`, `headlines` and `search` resolvers read) finds nothing;
 * `notifyP99Ms` until a graphql-ws client subscribed to `headlineRemoved` through the gateway
 * (articles subgraph and gateway run as their own processes) has received every article the
 * scope matched at approval. Then for `--watch` s, with the farm still serving every removed URL,
 * `resurrected` counts stored articles matching an enforced scope. Finally the audit chain is verified.
 */
export async function runTakedownBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      takedowns: { type: 'string', default: '100' },
      hosts: { type: 'string', default: '8' },
      'feeds-per-host': { type: 'string', default: '3' },
      'publish-every': { type: 'string', default: '9' },
      'poll-ms': { type: 'string', default: '3000' },
      interval: { type: 'string', default: '150' },
      watch: { type: 'string', default: '15' },
      json: { type: 'boolean', default: false },
    },
  });
  const total = Number(values.takedowns);
  const hosts = Number(values.hosts);
  const feedsPerHost = Number(values['feeds-per-host']);
  const say = (s: string) => !values.json && process.stdout.write(`${s}\n`);

  const stack = await ensureStack({ log: values.json ? () => {} : undefined });
  const db = `bench_takedown_${Date.now()}`;
  const mongoUrl = Object.assign(new URL(stack.mongoUrl), { pathname: `/${db}` }).toString();
  const prefix = `bench:${db}`;
  const config = loadConfig({
    MONGO_URL: mongoUrl,
    REDIS_URL: stack.redisUrl,
    HTTP_ALLOW_HOSTS: '127.0.0.0/8',
    HTTP_HOST_RATE_PER_SEC: '20',
    HTTP_HOST_CONCURRENCY: '4',
    FETCH_CONCURRENCY: '4',
    FEED_MIN_INTERVAL_SEC: '1',
    FEED_MAX_INTERVAL_SEC: '60',
    SCHEDULER_TICK_MS: '250',
    TAKEDOWN_CONCURRENCY: '8',
    LOG_LEVEL: 'silent',
  });
  const farm = await startPublisherFarm({
    hosts,
    feedsPerHost,
    entriesPerFeed: 15,
    feedWindow: 20,
    publishEveryMs: Number(values['publish-every']),
  });
  const store = await createStore(config.MONGO_URL);
  await store.ensureIndexes();
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const connection = redis.duplicate({ maxRetriesPerRequest: null });
  const log = createLogger('bench', { level: 'silent' });
  const sub = redis.duplicate();
  const stops: (() => Promise<unknown> | void)[] = [];
  try {
    await registerSources(
      store,
      farm.hosts.map((h) => ({
        key: `host-${h.index}`,
        name: `Host ${h.index}`,
        homepage: h.url,
        languages: ['en'],
        attribution: `Host ${h.index}`,
        verifiedContacts: [],
        feeds: h.feedUrls,
      })),
    );
    const queues = createQueues(connection, 1, prefix);
    const gate = await new TombstoneGate(store, redis).start();
    let gateBlocked = 0;
    // Extraction is not part of this benchmark: entries are stored, extract jobs are dropped.
    const ctx = createIngestContext({
      config,
      log,
      store,
      redis,
      enqueueExtract: gatedEnqueueExtract({ store, redis, gate, enqueue: async () => {}, onBlocked: () => gateBlocked++ }),
      isBlocked: async (url) => {
        const b = await gate.isBlocked(url);
        if (b) gateBlocked++;
        return b;
      },
      httpOverrides: { keyPrefix: `${prefix}:http:`, maxWaitMs: 10_000 },
    });
    const workers = startWorkers(ctx, connection, prefix);
    // Poll every feed every --poll-ms, staggered (the farm's <ttl> would otherwise space polls a
    // minute apart): removed URLs stay listed in the feeds, so every poll offers them again.
    const feedIds = (await store.Feed.find({}, { _id: 1 }).lean()).map((f) => String(f._id));
    let tick = 0;
    const driver = setInterval(
      () => {
        const id = feedIds[tick % feedIds.length]!;
        void queues.enqueueFetch(id, `bench-${tick++}`, 'manual').catch(() => undefined);
      },
      Math.max(10, Number(values['poll-ms']) / feedIds.length),
    );
    const scheduler = { stop: async () => clearInterval(driver) };
    const tq = createTakedownQueue(connection, prefix);
    const tworker = startTakedownWorker({ store, redis, log }, connection, { prefix, concurrency: config.TAKEDOWN_CONCURRENCY });
    stops.push(
      () => scheduler.stop(),
      () => tworker.close(),
      () => workers.close(),
      () => tq.close(),
      () => queues.close(),
      () => ctx.http.close(),
      () => gate.stop(),
    );

    // The live side, as a dashboard sees it: the articles subgraph and the gateway as their own
    // processes, one graphql-ws client subscribed to headlineRemoved through the gateway.
    const [pa, pg, pUnused] = await Promise.all([freePort(), freePort(), freePort()]);
    const common = { MONGO_URL: config.MONGO_URL, REDIS_URL: config.REDIS_URL, LOG_LEVEL: 'warn' };
    const apps: App[] = [];
    stops.push(() => Promise.all(apps.map((a) => a.stop())));
    apps.push(await startApp('articles', 'apps/articles/src/main.ts', { ...common, ARTICLES_PORT: String(pa), LOG_LEVEL: 'info' }));
    apps.push(
      await startApp('gateway', 'apps/gateway/src/main.ts', {
        ...common,
        LOG_LEVEL: 'info',
        GATEWAY_PORT: String(pg),
        SUBGRAPH_ARTICLES_URL: `http://127.0.0.1:${pa}/graphql`,
        // Not started: the subscription only touches the articles subgraph.
        SUBGRAPH_SOURCES_URL: `http://127.0.0.1:${pUnused}/graphql`,
        SUBGRAPH_COMPLIANCE_URL: `http://127.0.0.1:${pUnused}/graphql`,
      }),
    );
    const removedListeners = new Set<(id: string, t: number) => void>();
    const ws = createClient({ url: `ws://127.0.0.1:${pg}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    stops.push(() => ws.dispose());
    let subError: unknown;
    ws.subscribe<{ headlineRemoved: { id: string } }>(
      { query: 'subscription { headlineRemoved { id } }' },
      {
        next: (r) => {
          const t = performance.now();
          const id = r.data?.headlineRemoved.id;
          if (id) for (const l of removedListeners) l(id, t);
        },
        error: (e) => (subError = e),
        complete: () => undefined,
      },
    );
    // Live once an event published on Redis comes back through the subgraph and the gateway.
    const probeId = '000000000000000000000000';
    await new Promise<void>((resolve, reject) => {
      const l = (id: string) => id === probeId && (removedListeners.delete(l), clearInterval(timer), clearTimeout(giveUp), resolve());
      removedListeners.add(l);
      const probe = () =>
        void redis.publish(
          EVENTS_CHANNEL,
          encodeEvent({ type: 'headline.removed', articleId: probeId, url: 'https://probe.invalid/', at: new Date().toISOString() }),
        );
      const timer = setInterval(probe, 250);
      const giveUp = setTimeout(() => reject(new Error(`headlineRemoved subscription not live in 30 s: ${String(subError)}`)), 30_000);
      probe();
    });
    say('headlineRemoved subscriber live through the gateway');

    // Warm-up: every feed polled at least once and a few hundred articles stored.
    const want = Math.min(hosts * feedsPerHost * 15, 330);
    const warmStart = Date.now();
    while ((await store.Article.estimatedDocumentCount()) < want) {
      if (Date.now() - warmStart > 120_000) throw new Error('ingestion did not warm up within 120 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    say(
      `warm: ${await store.Article.estimatedDocumentCount()} articles from ${hosts} hosts × ${feedsPerHost} feeds (farm publishing every ${values['publish-every']} ms)`,
    );

    // Mixed scopes: whole hosts (1 DOMAIN, 1 SOURCE), whole feeds (PREFIX), the rest single URLs of other hosts.
    const sources = await store.Source.find({}, { _id: 1, key: 1 }).lean();
    const sourceOf = new Map(sources.map((s) => [s.key, String(s._id)]));
    const scopes: { kind: ScopeKind; value: string }[] = [];
    scopes.push({ kind: 'DOMAIN', value: new URL(farm.hosts[0]!.url).hostname });
    scopes.push({ kind: 'SOURCE', value: sourceOf.get('host-1')! });
    const prefixes = Math.min(Math.round(total * 0.05), (hosts - 2) * feedsPerHost - 1);
    for (let i = 0; i < prefixes; i++) {
      const h = farm.hosts[2 + (i % (hosts - 2))]!;
      scopes.push({ kind: 'PREFIX', value: `${h.url}/articles/${Math.floor(i / (hosts - 2))}/` });
    }
    const candidates = await store.Article.find({}, { url: 1 }).sort({ publishedAt: -1 }).limit(5000).lean();
    const covered = (url: string) =>
      scopes.some((s) => s.kind !== 'SOURCE' && matchesScope({ kind: s.kind, key: scopeKey(s.kind, s.value) }, { url }));
    for (const a of candidates) {
      if (scopes.length >= total) break;
      if (!covered(a.url) && !new URL(a.url).hostname.endsWith(new URL(farm.hosts[1]!.url).hostname))
        scopes.push({ kind: 'URL', value: a.url });
    }
    const R = takedownModel(store.conn);
    const now = new Date();
    const reqs = await R.insertMany(
      scopes.map((s) => ({
        status: 'received',
        scope: { ...s, key: scopeKey(s.kind, s.value) },
        reason: 'COPYRIGHT',
        requester: { name: 'Bench', email: 'bench@example.org' },
        relation: 'PUBLISHER',
        statement: 'Benchmark takedown request statement.',
        receivedAt: now,
        deadline: new Date(now.getTime() + 86_400_000),
      })),
    );
    const plan = reqs.map((r) => ({
      id: String(r._id),
      scope: { kind: r.scope!.kind as ScopeKind, key: r.scope!.key! } as MatchScope,
      t0: 0,
      enforcedMs: -1,
      notifyMs: -1,
      pending: new Set<string>(),
      verified: false,
    }));
    const byId = new Map(plan.map((p) => [p.id, p]));
    const waiting = new Map<string, typeof plan>();
    await sub.subscribe(TAKEDOWN_CHANNEL, EVENTS_CHANNEL);
    let enforcedCount = 0;
    // Ingestion while takedowns run: new articles announced per second over the approval window.
    let added = 0;
    let finish: () => void = () => {};
    const allDone = new Promise<void>((r) => (finish = r));
    const checkDone = () => enforcedCount === plan.length && plan.every((p) => p.notifyMs >= 0) && finish();
    sub.on('message', (channel: string, raw: string) => {
      const t = performance.now();
      if (channel === TAKEDOWN_CHANNEL) {
        const u = decodeTakedownUpdate(raw);
        const p = u && u.status === 'enforced' ? byId.get(u.requestId) : undefined;
        if (!p || p.enforcedMs >= 0) return;
        p.enforcedMs = t - p.t0;
        // Gone means: the enforcement's own query (the scope's indexed query) finds nothing; the full scan after the run checks every stored article
        // independently (`resurrected`). Scans here would load FerretDB under the takedowns still running.
        void findScopeMatches(store, p.scope).then((left) => {
          p.verified = left.length === 0;
          enforcedCount++;
          checkDone();
        });
        return;
      }
      if (decodeEvent(raw)?.type === 'article.added') added++;
    });
    // Notified means: the GraphQL subscriber got headlineRemoved for every article the scope matched.
    removedListeners.add((id, t) => {
      for (const p of waiting.get(id) ?? []) {
        p.pending.delete(id);
        if (p.pending.size === 0 && p.notifyMs < 0) p.notifyMs = t - p.t0;
      }
      checkDone();
    });
    const svc = {
      store,
      redis,
      config,
      keyPrefix: `${prefix}:`,
      enqueue: (id: string) => tq.enqueue(id),
      // Admin approvals here (the proof step comes before approval): no requester to mail.
      notify: async () => undefined,
    };
    say(
      `approving ${plan.length} takedowns (${scopes.filter((s) => s.kind === 'URL').length} URL, ${prefixes} PREFIX, 1 DOMAIN, 1 SOURCE), one every ${values.interval} ms`,
    );
    const tStart = performance.now();
    const addedAtStart = added;
    for (const p of plan) {
      // The articles the scope covers now: each must be announced as removed.
      // Extraction is off here, so no article is re-keyed: `_id` lookups find every URL match.
      const ids = (await findScopeMatches(store, p.scope)).map((a) => a._id);
      for (const id of ids) {
        p.pending.add(id);
        waiting.set(id, [...(waiting.get(id) ?? []), p]);
      }
      p.t0 = performance.now();
      if (!ids.length) p.notifyMs = 0;
      await approveTakedown(svc, p.id, 'admin:bench');
      if (process.env.BENCH_DEBUG) say(`approved ${p.id} ${p.scope.kind} in ${Math.round(performance.now() - p.t0)} ms`);
      const wait = Number(values.interval) - (performance.now() - p.t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const timeout = setTimeout(finish, 120_000);
    await allDone;
    clearTimeout(timeout);
    const approvalSec = (performance.now() - tStart) / 1000;
    const ingestPerSec = Math.round(((added - addedAtStart) / approvalSec) * 10) / 10;
    const enforcedPlan = plan.filter((p) => p.enforcedMs >= 0);
    say(
      `enforced ${enforcedPlan.length}/${plan.length} in ${approvalSec.toFixed(1)} s while ingesting ${ingestPerSec} articles/s; verified gone: ${plan.filter((p) => p.verified).length}`,
    );

    // The farm keeps serving (and listing) the removed URLs while ingestion runs on.
    const pollsBefore = farm.stats().requests;
    await new Promise((r) => setTimeout(r, Number(values.watch) * 1000));
    let resurrected = 0;
    // After the run, over every stored article (one scan, not one per scope): nothing covered by
    // an enforced scope may be stored, whatever its key or id.
    const stored = await store.Article.find({}, { _id: 1, url: 1, urlKey: 1, sourceId: 1 }).lean();
    for (const p of plan) {
      const derived = p.scope.kind === 'URL' ? articleIdFor(p.scope.key) : undefined;
      resurrected += stored.filter(
        (a) => String(a._id) === derived || matchesScope(p.scope, { url: a.url, urlKey: a.urlKey, sourceId: String(a.sourceId) }),
      ).length;
    }
    const chain = await verifyAuditChain(store.conn);
    const result = {
      takedowns: plan.length,
      p50Ms: pct(
        enforcedPlan.map((p) => p.enforcedMs),
        50,
      ),
      p99Ms: pct(
        enforcedPlan.map((p) => p.enforcedMs),
        99,
      ),
      notifyP50Ms: pct(
        plan.map((p) => p.notifyMs).filter((x) => x >= 0),
        50,
      ),
      notifyP99Ms: pct(
        plan.map((p) => p.notifyMs).filter((x) => x >= 0),
        99,
      ),
      byKind: Object.fromEntries(
        (['URL', 'PREFIX', 'DOMAIN', 'SOURCE'] as const).map((k) => {
          const xs = enforcedPlan.filter((p) => p.scope.kind === k).map((p) => p.enforcedMs);
          return [k, { n: xs.length, p50Ms: pct(xs, 50), p99Ms: pct(xs, 99) }];
        }),
      ),
      ingestPerSec,
      enforced: enforcedPlan.length,
      verifiedGone: plan.filter((p) => p.verified).length,
      resurrected,
      gateBlocked,
      watchSec: Number(values.watch),
      farmRequestsDuringWatch: farm.stats().requests - pollsBefore,
      auditEntries: chain.entries,
      auditChainOk: chain.ok,
    };
    say(
      `watch ${result.watchSec} s: ${result.farmRequestsDuringWatch} farm requests, gate blocked ${gateBlocked}, resurrected ${resurrected}`,
    );
    say(
      `approval → gone p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; → headline.removed p99 ${result.notifyP99Ms} ms; audit chain ${chain.ok ? 'ok' : chain.breaks.join('; ')} (${chain.entries} entries)`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // Targets: p99 ≤ 2 s gone and notified, nothing resurrected, the chain intact, under ≥ 50 stored articles/s.
    const ok =
      result.enforced === total &&
      result.verifiedGone === total &&
      resurrected === 0 &&
      chain.ok &&
      Math.max(result.p99Ms, result.notifyP99Ms) <= 2000 &&
      ingestPerSec >= 50;
    return ok ? 0 : 1;
  } finally {
    for (const s of stops) await s();
    sub.disconnect();
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    connection.disconnect();
    redis.disconnect();
    await store.conn.dropDatabase();
    await store.close();
    await farm.close();
    await stack.stop();
  }
}
