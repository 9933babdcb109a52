import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createStore, type Store } from '@newsline/store';
import { QueueEvents } from 'bullmq';
import { createQueues, startWorkers } from '../src/queues';
import { isTransientInfraError, JobDeadlineError, withDeadline } from '../src/transient';
import { addFeed, harness, publisher, rss, type Harness } from './harness';

/** A TCP proxy to the database that can be cut (connections reset, new ones refused) and restored. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  let down = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(target);
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: url.toString(),
    cut: () => {
      down = true;
      for (const s of open) s.destroy();
    },
    restore: () => (down = false),
    close: () => new Promise((r) => (open.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

describe('a database outage during a job', () => {
  it('puts the job back without spending its attempts, and it completes once the database is back', async () => {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss([{ title: 'Outage', link: `${pub.url}/o/1`, date: new Date() }])),
    });
    const { feedId } = await addFeed(h.store, `${pub.url}/feed.xml`);
    const proxy = await cuttableProxy(new URL(h.config.MONGO_URL));
    // The workers reach the database through the proxy only; server selection gives up fast.
    const store: Store = await createStore(proxy.url, { serverSelectionTimeoutMS: 500 });
    const connection = h.redis.duplicate();
    const queues = createQueues(connection, 3, h.prefix);
    const eventsConnection = h.redis.duplicate();
    const events = new QueueEvents(queues.fetch.name, { connection: eventsConnection, prefix: h.prefix });
    await events.waitUntilReady();
    const workers = startWorkers({ ...h.ctx, store }, connection, h.prefix);
    try {
      proxy.cut();
      // More put-backs than the job has attempts (3): each would have been a failed attempt.
      let putBack = 0;
      const fourPutBacks = new Promise<void>((resolve) =>
        events.on('delayed', ({ jobId }) => jobId.startsWith(`fetch-${feedId}`) && ++putBack === 4 && resolve()),
      );
      const failed: string[] = [];
      events.on('failed', ({ failedReason }) => failed.push(failedReason));
      await queues.enqueueFetch(feedId, 'outage');
      await fourPutBacks;
      proxy.restore();
      const job = (await queues.fetch.getJobs(['delayed', 'waiting', 'active', 'completed', 'failed'])).find((j) => j.data.feedId === feedId)!;
      await job.waitUntilFinished(events, 30_000);
      const done = (await queues.fetch.getJob(job.id!))!;
      expect(done.returnvalue).toMatchObject({ kind: 'ok', created: 1 });
      // The one attempt counted is the one that succeeded.
      expect(done.attemptsMade).toBe(1);
      expect(done.attemptsStarted).toBeGreaterThanOrEqual(5);
      expect(failed).toEqual([]);
      expect(await h.store.Article.countDocuments({ title: 'Outage' })).toBe(1);
    } finally {
      await workers.close();
      await events.close();
      eventsConnection.disconnect();
      await queues.close();
      connection.disconnect();
      await store.close().catch(() => undefined);
      await proxy.close();
      await pub.close();
    }
  }, 60_000);

  it('still spends attempts on errors that are the job’s own', () => {
    const net = Object.assign(new Error('connection 18 to 127.0.0.1:27017 closed'), { name: 'MongoNetworkError' });
    expect(isTransientInfraError(net)).toBe(true);
    expect(isTransientInfraError(new Error('wrapped', { cause: net }))).toBe(true);
    expect(isTransientInfraError(Object.assign(new Error('Operation `feeds.findOne()` buffering timed out after 10000ms'), { name: 'MongooseError' }))).toBe(true);
    expect(isTransientInfraError(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError', code: 11000 }))).toBe(false);
    // What FerretDB answers operations in flight while it shuts down (seen restarting it under load).
    const shutdown = (m: string) => Object.assign(new Error(m), { name: 'MongoServerError' });
    expect(isTransientInfraError(shutdown('[msg_find.go:123 handler.handleMaxTimeMSError] [collection.go:45 sqlite.(*collection).Query] context canceled'))).toBe(true);
    expect(isTransientInfraError(shutdown('[db.go:91 fsql.(*DB).InTransaction] sql: transaction has already been committed or rolled back'))).toBe(true);
    expect(isTransientInfraError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientInfraError('not an error')).toBe(false);
  });

  it('fails a processor that never settles with a typed deadline error, and passes results and errors through', async () => {
    const hung = withDeadline(50, () => new Promise<never>(() => undefined));
    await expect(hung).rejects.toBeInstanceOf(JobDeadlineError);
    await expect(hung).rejects.toThrow('job did not finish within 50 ms');
    // Not transient: a job that hangs spends an attempt, so one that always hangs ends in the failed set.
    expect(isTransientInfraError(new JobDeadlineError(50))).toBe(false);
    await expect(withDeadline(10_000, async () => 42)).resolves.toBe(42);
    await expect(withDeadline(10_000, async () => Promise.reject(new RangeError('own')))).rejects.toBeInstanceOf(RangeError);
  });
});
