import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QUEUES, urlKey } from '@newsline/domain';
import { ensureStack, stackPaths, type Stack } from '@newsline/embedded-stack';
import { startPublisherFarm, type PublisherFarm } from '@newsline/publisher-sim';
import { createStore, type Store } from '@newsline/store';
import { Queue } from 'bullmq';
import Redis from 'ioredis';

/**
 * Soak: a publisher farm that keeps publishing, the real workers as separate processes on an
 * embedded stack of its own (so Redis and FerretDB can be restarted), scripted faults, then a
 * checker comparing what was published with what is stored. Ends with one JSON line.
 */
export interface SoakResult {
  minutes: number;
  published: number;
  stored: number;
  missing: number;
  duplicated: number;
  stale: number;
  resurrected: number;
  articlesPerSec: number;
  faults: string[];
  converged: boolean;
  convergeSec: number;
}

const ROOT = join(__dirname, '../..');
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

export async function runSoak(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<SoakResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '1' },
      hosts: { type: 'string', default: '100' },
      'feeds-per-host': { type: 'string', default: '3' },
      rate: { type: 'string', default: '20' },
      workers: { type: 'string', default: '2' },
      faults: { type: 'string', default: 'all' },
      json: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  const ratePerSec = Number(values.rate);
  const say = (s: string) => !values.json && out(`[soak +${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}`);
  const t0 = Date.now();
  const faults: string[] = [];
  const wanted = new Set(
    values.faults === 'all'
      ? ['kill-worker', 'restart-redis', 'restart-ferretdb', 'host-hang', 'host-500', 'host-429']
      : values.faults!.split(',').filter(Boolean),
  );

  // A stack of its own, on its own ports and data dir, so it can be restarted mid-run.
  const data = mkdtempSync(join(tmpdir(), 'newsline-soak-'));
  const paths = { ...stackPaths(), data, logs: join(data, 'logs'), stateFile: join(data, 'stack.json') };
  const env = { PATH: process.env.PATH, NEWSLINE_FERRETDB_PORT: String(await freePort()), NEWSLINE_REDIS_PORT: String(await freePort()) };
  const up = () => ensureStack({ paths, env, log: () => {} });
  let stack: Stack = await up();
  const farm: PublisherFarm = await startPublisherFarm({
    hosts: Number(values.hosts),
    feedsPerHost: Number(values['feeds-per-host']),
    entriesPerFeed: 2,
    feedWindow: 40,
  });
  const sourcesFile = join(data, 'sources.json');
  writeFileSync(
    sourcesFile,
    JSON.stringify(
      farm.hosts.map((h) => ({
        key: `soak-${h.index}`,
        name: `Soak host ${h.index}`,
        homepage: h.url,
        languages: ['en'],
        attribution: `Soak host ${h.index}`,
        feeds: h.feedUrls,
      })),
    ),
  );
  const workerEnv = {
    ...process.env,
    MONGO_URL: stack.mongoUrl,
    REDIS_URL: stack.redisUrl,
    SOURCES_FILE: sourcesFile,
    DEMO_SOURCES: 'false',
    HTTP_ALLOW_HOSTS: '127.0.0.0/8',
    HTTP_HOST_RATE_PER_SEC: '10',
    HTTP_HOST_CONCURRENCY: '4',
    FEED_MIN_INTERVAL_SEC: '2',
    FEED_MAX_INTERVAL_SEC: '10',
    SCHEDULER_TICK_MS: '500',
    FETCH_CONCURRENCY: '32',
    EXTRACT_CONCURRENCY: '8',
    EXTRACT_MAX_ATTEMPTS: '8',
    JOB_LOCK_MS: '5000',
    EXTRACT_REPAIR_AFTER_SEC: '30',
    LOG_LEVEL: 'warn',
  };
  const workers: { child: ChildProcess; port: number }[] = [];
  const startWorker = async (i: number) => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/workers/src/main.ts')], {
      env: { ...workerEnv, WORKERS_PORT: String(port), TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers[i] = { child, port };
  };
  for (let i = 0; i < Number(values.workers); i++) await startWorker(i);

  let store: Store | undefined;
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', () => {});
  try {
    store = await createStore(stack.mongoUrl);
    // Publishing: `rate` entries per second spread over every feed, for `minutes`.
    const publishEnd = t0 + minutes * 60_000;
    let carry = 0;
    const publisher = setInterval(() => {
      if (Date.now() >= publishEnd) return;
      carry += ratePerSec / 10;
      for (; carry >= 1; carry--) farm.publish();
    }, 100);

    // Fault script: evenly spaced over the run, each bounded in time.
    const script: [string, () => Promise<void>][] = [
      [
        'kill-worker',
        async () => {
          workers[0]!.child.kill('SIGKILL');
          await new Promise((r) => setTimeout(r, 2000));
          await startWorker(0);
        },
      ],
      [
        'host-500',
        async () => {
          farm.setFault(1, 'error500');
          await new Promise((r) => setTimeout(r, 5000));
          farm.setFault(1, null);
        },
      ],
      [
        'restart-redis',
        async () => {
          await stack.stop();
          stack = await up();
        },
      ],
      [
        'host-hang',
        async () => {
          farm.setFault(2, 'hang');
          await new Promise((r) => setTimeout(r, 5000));
          farm.setFault(2, null);
        },
      ],
      [
        'restart-ferretdb',
        async () => {
          // The stack restarts both servers together; each comes back on its port and data dir.
          await stack.stop();
          stack = await up();
        },
      ],
      [
        'host-429',
        async () => {
          farm.setFault(3, 'rateLimit429', { retryAfterSec: 3 });
          await new Promise((r) => setTimeout(r, 5000));
          farm.setFault(3, null);
        },
      ],
    ];
    const planned = script.filter(([name]) => wanted.has(name));
    const gap = (minutes * 60_000) / (planned.length + 1);
    for (let i = 0; i < planned.length; i++) {
      const at = t0 + gap * (i + 1);
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      const [name, run] = planned[i]!;
      say(`fault: ${name}`);
      await run();
      faults.push(name);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, publishEnd - Date.now())));
    clearInterval(publisher);
    const publishedSec = (Date.now() - t0) / 1000;
    const published = farm.publishedEntries();
    say(`publishing stopped: ${published.length} entries; waiting for convergence`);

    // Convergence: every published entry stored and extracted, queues drained (bounded wait).
    const keys = new Set(published.map((e) => urlKey(e.url)));
    const queues = [QUEUES.fetch, QUEUES.extract].map((q) => new Queue(q, { connection: redis }));
    const deadline = Date.now() + Math.max(120_000, minutes * 60_000);
    const storedAtEnd = async () => {
      const docs = await store!.Article.find({}, { urlKey: 1, 'extraction.status': 1 }).lean();
      const done = docs.filter((d) => d.extraction?.status && d.extraction.status !== 'pending' && keys.has(d.urlKey));
      return { docs, done };
    };
    let converged = false;
    let snapshot = await storedAtEnd();
    let extractedAtPublishEnd = snapshot.done.length;
    while (Date.now() < deadline) {
      snapshot = await storedAtEnd().catch(() => snapshot);
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized'))).catch(
        () => undefined,
      );
      const pending = counts?.reduce((a, c) => a + Object.values(c).reduce((x, y) => x + y, 0), 0) ?? 1;
      if (snapshot.done.length >= keys.size && pending === 0) {
        converged = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const convergeSec = (Date.now() - t0) / 1000 - publishedSec;
    if (extractedAtPublishEnd === 0) extractedAtPublishEnd = snapshot.done.length;
    const storedKeys = new Map<string, number>();
    for (const d of snapshot.docs) storedKeys.set(d.urlKey, (storedKeys.get(d.urlKey) ?? 0) + 1);
    const missing = [...keys].filter((k) => !storedKeys.has(k)).length;
    const duplicated = [...storedKeys.values()].filter((n) => n > 1).length + (snapshot.docs.length - storedKeys.size);
    const stale = snapshot.docs.filter((d) => !d.extraction?.status || d.extraction.status === 'pending').length;
    const failedJobs = (await queues[1]!.getJobCounts('failed').catch(() => ({ failed: -1 }))).failed;
    await Promise.all(queues.map((q) => q.close()));
    const result: SoakResult = {
      minutes,
      published: published.length,
      stored: snapshot.docs.length,
      missing,
      duplicated,
      stale,
      resurrected: 0,
      articlesPerSec: Math.round((snapshot.done.length / (publishedSec + convergeSec)) * 10) / 10,
      faults,
      converged,
      convergeSec: Math.round(convergeSec),
    };
    say(
      `stored ${result.stored}/${result.published}, missing ${missing}, duplicated ${duplicated}, stale ${stale}, failed extract jobs kept ${failedJobs}; converged=${converged} ${result.convergeSec}s after publishing stopped`,
    );
    out(JSON.stringify(result));
    return result;
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r(null) : w.child.once('exit', r)))));
    redis.disconnect();
    await store?.close().catch(() => {});
    await farm.close();
    await stack.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runSoak(process.argv.slice(2)).then(
    (r) => process.exit(r.missing === 0 && r.duplicated === 0 && r.resurrected === 0 && r.converged ? 0 : 1),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
