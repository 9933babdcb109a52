import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadConfig } from '@newsline/config';
import { EVENTS_CHANNEL, decodeEvent } from '@newsline/domain';
import { ensureStack } from '@newsline/embedded-stack';
import { createLogger } from '@newsline/logger';
import { startPublisherFarm } from '@newsline/publisher-sim';
import { createStore, takedownModel } from '@newsline/store';
import { TombstoneGate } from '@newsline/takedowns';
import Redis from 'ioredis';
import { createIngestContext, memoizeNotBlocked } from '../src/context';
import { fetchFeed } from '../src/ingest/fetch-feed';
import { registerSources } from '../src/sources';
import { createWebSubCallback } from '../src/websub/callback';

const pct = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;

/**
 * `npm run bench -- websub [--hosts 20] [--feeds-per-host 5] [--entries 200] [--forged 60] [--every-ms 25] [--json]`
 * A publisher farm with one local WebSub hub: every feed is polled once (which subscribes it;
 * the hub verifies intent against the callback), then entries are published across all feeds
 * while forged pushes (unsigned, wrong secret, tampered body, wrong callback token) arrive at the
 * same callback. Measures publish → `article.added` (the push path: HMAC check, parse, takedown
 * gate, store, announce), entries never announced, and forged entries stored.
 */
export async function runWebSubBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '20' },
      'feeds-per-host': { type: 'string', default: '5' },
      entries: { type: 'string', default: '200' },
      forged: { type: 'string', default: '60' },
      'every-ms': { type: 'string', default: '25' },
      json: { type: 'boolean', default: false },
    },
  });
  const hosts = Number(values.hosts);
  const perHost = Number(values['feeds-per-host']);
  const entries = Number(values.entries);
  const forgedCount = Number(values.forged);
  const everyMs = Number(values['every-ms']);
  const say = (s: string) => !values.json && process.stdout.write(`${s}\n`);

  const stack = await ensureStack({ log: values.json ? () => {} : undefined });
  const db = `bench_websub_${Date.now()}`;
  const mongoUrl = Object.assign(new URL(stack.mongoUrl), { pathname: `/${db}` }).toString();
  const prefix = `bench:${db}`;
  // The callback listener is up first: its URL goes into the config the subscriber reads.
  const route: { handle?: (req: IncomingMessage, res: ServerResponse) => boolean } = {};
  const callbackServer = createServer((req, res) => {
    if (!route.handle?.(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => callbackServer.listen(0, '127.0.0.1', r));
  const callbackBase = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}`;
  const config = loadConfig({
    MONGO_URL: mongoUrl,
    REDIS_URL: stack.redisUrl,
    HTTP_ALLOW_HOSTS: '127.0.0.0/8',
    HTTP_HOST_RATE_PER_SEC: '50',
    HTTP_HOST_CONCURRENCY: '4',
    WEBSUB_CALLBACK_URL: callbackBase,
    LOG_LEVEL: 'silent',
  });
  const farm = await startPublisherFarm({ hosts, feedsPerHost: perHost, entriesPerFeed: 2, hub: true });
  const store = await createStore(config.MONGO_URL);
  await store.ensureIndexes();
  await takedownModel(store.conn).createIndexes();
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const sub = redis.duplicate();
  // The production gate: tombstones are checked before storing, as for polled entries.
  const gate = await new TombstoneGate(store, redis).start();
  const ctx = createIngestContext({
    config,
    log: createLogger('bench', { level: 'silent' }),
    store,
    redis,
    // Extraction is not measured: extract jobs are counted, not run.
    enqueueExtract: async () => void extractJobs++,
    isBlocked: memoizeNotBlocked(redis, (url) => gate.isBlocked(url, { fresh: true })),
    httpOverrides: { keyPrefix: `${prefix}:http:`, maxWaitMs: 60_000 },
  });
  let extractJobs = 0;
  const callback = createWebSubCallback(ctx);
  route.handle = callback.handle;
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
    const feeds = await store.Feed.find({}, { _id: 1, url: 1 }).lean();
    // The first poll stores the initial entries and subscribes each feed to the advertised hub.
    const t0 = performance.now();
    for (let i = 0; i < feeds.length; i += 10) await Promise.all(feeds.slice(i, i + 10).map((f) => fetchFeed(ctx, String(f._id))));
    await farm.hub!.idle();
    const subscribed = await store.Feed.countDocuments({ 'websub.state': 'subscribed' });
    say(
      `${feeds.length} feeds on ${hosts} hosts polled once in ${Math.round(performance.now() - t0)} ms; ${subscribed} subscribed to ${farm.hub!.url}`,
    );

    const announcedAt = new Map<string, number>();
    await sub.subscribe(EVENTS_CHANNEL);
    sub.on('message', (_c, raw) => {
      const e = decodeEvent(raw);
      if (e?.type === 'article.added' && !announcedAt.has(e.url)) announcedAt.set(e.url, performance.now());
    });
    const published = new Map<string, number>();
    const forgedUrls: string[] = [];
    const subs = (await store.Feed.find({ 'websub.state': 'subscribed' }).lean()).map((f) => ({
      id: String(f._id),
      token: f.websub!.callbackToken!,
      secret: f.websub!.secret!,
      url: f.url,
    }));
    const forge = async (i: number): Promise<number> => {
      const target = subs[i % subs.length]!;
      const url = `${new URL(target.url).origin}/articles/forged/${i}.html`;
      forgedUrls.push(url);
      const body = `<?xml version="1.0"?><rss version="2.0"><channel><title>Forged</title><item><title>Forged ${i}</title><link>${url}</link><guid>forged-${i}</guid><pubDate>${new Date().toUTCString()}</pubDate></item></channel></rss>`;
      const good = createHmac('sha256', target.secret).update(body).digest('hex');
      const variants: [string, Record<string, string>][] = [
        [target.token, {}],
        [target.token, { 'x-hub-signature': `sha256=${createHmac('sha256', 'guessed-secret').update(body).digest('hex')}` }],
        [target.token, { 'x-hub-signature': `sha256=${createHmac('sha256', target.secret).update(`${body} `).digest('hex')}` }],
        ['0'.repeat(32), { 'x-hub-signature': `sha256=${good}` }],
        [target.token, { 'x-hub-signature': `md5=${good.slice(0, 32)}` }],
      ];
      const [token, headers] = variants[i % variants.length]!;
      const r = await fetch(`${callbackBase}/websub/${target.id}/${token}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/rss+xml', ...headers },
      });
      return r.status;
    };

    const forgedEvery = forgedCount > 0 ? Math.max(1, Math.floor(entries / forgedCount)) : Infinity;
    const forgedAnswers: Promise<number>[] = [];
    const tPublish = performance.now();
    for (let i = 0; i < entries; i++) {
      const e = farm.publish();
      published.set(e.url, performance.now());
      if (i % forgedEvery === 0 && forgedAnswers.length < forgedCount) forgedAnswers.push(forge(forgedAnswers.length));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    while (forgedAnswers.length < forgedCount) forgedAnswers.push(forge(forgedAnswers.length));
    const statuses = await Promise.all(forgedAnswers);
    // Every delivery has been answered once the hub is idle; the last announcements follow within ms.
    await farm.hub!.idle();
    const deadline = Date.now() + 10_000;
    while ([...published.keys()].some((u) => !announcedAt.has(u)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const publishSeconds = (performance.now() - tPublish) / 1000;

    const latencies = [...published].flatMap(([u, t]) => (announcedAt.has(u) ? [announcedAt.get(u)! - t] : [])).sort((a, b) => a - b);
    const missing = [...published.keys()].filter((u) => !announcedAt.has(u)).length;
    let forgedStored = 0;
    for (const u of forgedUrls) if ((await store.Article.exists({ url: u })) || announcedAt.has(u)) forgedStored++;
    const hubStats = farm.hub!.stats();
    const result = {
      feeds: feeds.length,
      subscribed,
      entries,
      pushes: hubStats.deliveries,
      pushFailures: hubStats.deliveryFailures,
      p50Ms: Math.round(pct(latencies, 50)),
      p99Ms: Math.round(pct(latencies, 99)),
      maxMs: Math.round(latencies[latencies.length - 1] ?? NaN),
      missing,
      forged: forgedCount,
      forgedAnswered202: statuses.filter((s) => s === 202).length,
      forgedRejected: callback.counters.rejected,
      forgedStored,
      extractJobs,
      publishSeconds: Math.round(publishSeconds * 10) / 10,
    };
    say(
      `published ${entries} entries over ${result.publishSeconds} s across ${feeds.length} feeds; hub deliveries ${result.pushes} (${result.pushFailures} failed)`,
    );
    say(`publish → article.added: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; missing ${missing}`);
    say(`forged pushes ${forgedCount}: answered 202 ${result.forgedAnswered202}, dropped ${result.forgedRejected}, stored ${forgedStored}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.p99Ms <= 2000 && forgedStored === 0 && missing === 0 && subscribed === feeds.length ? 0 : 1;
  } finally {
    gate.stop();
    sub.disconnect();
    await ctx.http.close();
    callbackServer.closeAllConnections();
    await new Promise((r) => callbackServer.close(r));
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    await store.conn.dropDatabase();
    await store.close();
    await farm.close();
    await stack.stop();
  }
}
