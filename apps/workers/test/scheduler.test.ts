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
