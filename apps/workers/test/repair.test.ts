import { Queue } from 'bullmq';
import { jobIds } from '@newsline/domain';
import { REDIS_EPOCH_KEY, repairPendingExtractions, startRepairLoop } from '../src/ingest/repair';
import { addFeed, harness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

describe('repairPendingExtractions', () => {
  it('re-adds a lost extract job, and leaves one still waiting alone', async () => {
    const { source } = await addFeed(h.store, 'http://127.0.0.1:9/feed.xml');
    const old = new Date(Date.now() - 3600_000);
    const mk = (n: number) => ({
      urlKey: `r.test/${n}`,
      url: `http://r.test/${n}`,
      sourceUrl: `http://r.test/${n}`,
      attribution: 'A',
      sourceId: source._id,
      title: `R${n}`,
      publishedAt: old,
      extraction: { status: 'pending' },
    });
    const [lost, waiting] = await h.store.Article.create([mk(1), mk(2)]);
    await h.store.Article.collection.updateMany({ _id: { $in: [lost!._id, waiting!._id] } }, { $set: { createdAt: old } });
    const queue = new Queue('article-extract', { connection: h.redis, prefix: h.prefix });
    await queue.add(
      'extract',
      { articleId: String(waiting!._id), url: waiting!.url },
      { jobId: jobIds.extract(String(waiting!._id)), delay: 60_000 },
    );
    expect(await repairPendingExtractions({ store: h.store, queue, afterSec: 60, log: h.ctx.log })).toBe(1);
    expect(await (await queue.getJob(jobIds.extract(String(lost!._id))))!.getState()).toBe('waiting');
    expect(await (await queue.getJob(jobIds.extract(String(waiting!._id))))!.getState()).toBe('delayed');
    expect(await repairPendingExtractions({ store: h.store, queue, afterSec: 60, log: h.ctx.log })).toBe(0);
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('runs at start, then only after Redis lost its data (its epoch marker is gone) or once per period', async () => {
    const queue = new Queue('article-extract', { connection: h.redis, prefix: h.prefix });
    await h.redis.set(REDIS_EPOCH_KEY, 'kept');
    const loop = startRepairLoop({ store: h.store, queue, redis: h.redis, afterSec: 60, log: h.ctx.log, checkMs: 3_600_000, periodicMs: 3_600_000 });
    try {
      await loop.first;
      expect(loop.runs()).toBe(1); // at start
      await loop.tick();
      expect(loop.runs()).toBe(1); // Redis kept its data, period not over: no scan
      await h.redis.del(REDIS_EPOCH_KEY); // Redis came back empty
      await loop.tick();
      expect(loop.runs()).toBe(2);
      await loop.tick();
      expect(loop.runs()).toBe(3); // and keeps repairing for 2 × afterSec, as stranded articles age past afterSec
      expect(await h.redis.exists(REDIS_EPOCH_KEY)).toBe(1);
    } finally {
      loop.stop();
      await queue.close();
    }
  });
});
