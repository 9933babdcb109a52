import { startScheduler } from '../src/scheduler';
import { addFeed, harness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

describe('scheduler backpressure', () => {
  it('while extraction is backlogged, polls only feeds overdue by the slow interval', async () => {
    const now = Date.now();
    const justDue = await addFeed(h.store, `https://bp-${now}.example/due.xml`);
    const overdue = await addFeed(h.store, `https://bp-${now}.example/overdue.xml`);
    await h.store.Feed.updateOne({ _id: justDue.feedId }, { $set: { nextPollAt: new Date(now - 1000) } });
    await h.store.Feed.updateOne({ _id: overdue.feedId }, { $set: { nextPollAt: new Date(now - 60_000) } });
    const mine = new Set([justDue.feedId, overdue.feedId]);

    let backlog = 5000;
    const enqueued: string[] = [];
    const scheduler = startScheduler({
      store: h.store,
      log: h.ctx.log,
      tickMs: 3_600_000,
      enqueue: async (id) => void (mine.has(id) && enqueued.push(id)),
      backpressure: { backlog: async () => backlog, backlogMax: 100, slowPollMs: 30_000 },
    });
    await scheduler.stop(); // the first tick has run; the timer is gone
    expect(enqueued).toEqual([overdue.feedId]);

    backlog = 0;
    enqueued.length = 0;
    await scheduler.tick();
    expect(enqueued.sort()).toEqual([justDue.feedId, overdue.feedId].sort());
  });
});

describe('shared scheduler', () => {
  it('ticks in one process per interval; a direct tick() still runs', async () => {
    const now = Date.now();
    const due = await addFeed(h.store, `https://shared-${now}.example/due.xml`);
    await h.store.Feed.updateOne({ _id: due.feedId }, { $set: { nextPollAt: new Date(now - 1000) } });
    const shared = { redis: h.redis, key: `newsline:test:scheduler:${now}` };
    const calls: string[] = [];
    const start = (name: string) =>
      startScheduler({
        store: h.store,
        log: h.ctx.log,
        tickMs: 3_600_000,
        shared,
        enqueue: async (id) => void (id === due.feedId && calls.push(name)),
      });
    const a = start('a');
    const b = start('b');
    await Promise.all([a.stop(), b.stop()]); // both first ticks have run
    expect(calls).toHaveLength(1);
    expect(await h.redis.pttl(shared.key)).toBeGreaterThan(0);
    await b.tick();
    expect(calls).toHaveLength(2);
    await h.redis.del(shared.key);
  });
});
