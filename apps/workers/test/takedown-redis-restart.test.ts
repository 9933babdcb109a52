import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { articleIdFor, urlKey } from '@newsline/domain';
import { testServices } from '@newsline/embedded-stack';
import { createLogger } from '@newsline/logger';
import { createStore, takedownModel, type Store } from '@newsline/store';
import { scopeKey } from '@newsline/takedowns';
import Redis from 'ioredis';
import { createTakedownQueue, startTakedownWorker } from '../src/takedown/queue';

/** A private redis-server (AOF on, like production) on its own port, so the test can restart it. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });

let port: number;
let dir: string;
let proc: ChildProcess;
let store: Store;

async function startRedis(): Promise<void> {
  proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) resolve();
    });
    proc.once('exit', (c) => reject(new Error(`redis-server exited ${c}: ${out}`)));
  });
}

async function stopRedis(): Promise<void> {
  if (proc.exitCode !== null) return;
  proc.kill('SIGTERM');
  await once(proc, 'exit');
}

beforeAll(async () => {
  port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'newsline-redis-'));
  await startRedis();
  store = await createStore(testServices('workers_redis').mongoUrl);
  await store.ensureIndexes(); // as the workers app does at start
});
afterAll(async () => {
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
  await store.conn.dropDatabase();
  await store.close();
});

it('finishes an enforcement when Redis restarts in the middle of it', async () => {
  const redis = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const src = await store.Source.create({ key: 'rr', name: 'rr', homepage: 'https://rr.example/', attribution: 'rr' });
  const ids: string[] = [];
  for (const i of [1, 2, 3]) {
    const key = urlKey(`https://rr.example/p/${i}`);
    ids.push(articleIdFor(key));
    await store.Article.create({
      _id: articleIdFor(key),
      urlKey: key,
      url: `https://rr.example/p/${i}`,
      sourceUrl: `https://rr.example/p/${i}`,
      attribution: 'rr',
      sourceId: src._id,
      title: 't',
      publishedAt: new Date(),
    });
  }
  const req = await takedownModel(store.conn).create({
    status: 'approved',
    scope: { kind: 'PREFIX', value: 'https://rr.example/p/', key: scopeKey('PREFIX', 'https://rr.example/p/') },
    reason: 'PRIVACY',
    requester: { name: 'N', email: 'n@rr.example' },
    relation: 'SUBJECT',
    statement: 'Personal data published without consent.',
    deadline: new Date(Date.now() + 86_400_000),
  });
  const requestId = String(req._id);
  const conn = redis.duplicate();
  conn.on('error', () => undefined);
  const q = createTakedownQueue(conn);
  let restarted = false;
  const worker = startTakedownWorker(
    {
      store,
      redis,
      log: createLogger('test', { level: 'silent' }),
      checkpoint: async (step) => {
        if (step !== 'journalled' || restarted) return;
        restarted = true;
        await stopRedis();
        await startRedis();
      },
    },
    conn,
  );
  const completed = new Promise((resolve) => worker.on('completed', resolve));
  await q.enqueue(requestId);
  await completed;
  expect(restarted).toBe(true);
  expect(await store.Article.countDocuments({ _id: { $in: ids } })).toBe(0);
  expect(await takedownModel(store.conn).findById(requestId).lean()).toMatchObject({ status: 'enforced', enforcement: { batch: [] } });
  await worker.close();
  await q.close();
  conn.disconnect();
  redis.disconnect();
}, 60_000);
