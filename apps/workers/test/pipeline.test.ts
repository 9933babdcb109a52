import { urlKey } from '@newsline/domain';
import { startDemoPublisher, type DemoPublisher } from '@newsline/publisher-sim';
import { demoSourceSpecs } from '../src/demo';
import { createQueues, startWorkers } from '../src/queues';
import { startScheduler } from '../src/scheduler';
import { registerSources } from '../src/sources';
import { harness, type Harness } from './harness';

// The whole ingestion path on real parts: demo publisher → scheduler → BullMQ fetch and
// extract workers → FerretDB, with events on Redis.
let h: Harness;
let pub: DemoPublisher;
let stop: () => Promise<void>;
let tick: () => Promise<void>;

beforeAll(async () => {
  h = await harness({ FEED_MIN_INTERVAL_SEC: '1', SCHEDULER_TICK_MS: '60000' });
  pub = await startDemoPublisher({ port: 0 });
  await registerSources(h.store, demoSourceSpecs(pub.url));
  const connection = h.redis.duplicate();
  const queues = createQueues(connection, 3, h.prefix);
  h.ctx.enqueueExtract = queues.enqueueExtract;
  const workers = startWorkers(h.ctx, connection, h.prefix);
  const scheduler = startScheduler({ store: h.store, log: h.ctx.log, tickMs: 60_000, enqueue: (id, due) => queues.enqueueFetch(id, due) });
  tick = scheduler.tick;
  stop = async () => {
    await scheduler.stop();
    await workers.close();
    await queues.close();
    connection.disconnect();
  };
}, 60_000);

afterAll(async () => {
  await stop();
  await pub.close();
  await h.close();
});

describe('ingestion pipeline', () => {
  it('stores every demo entry exactly once, extracted, attributed and decoded', async () => {
    const published = pub.entries();
    expect(published.length).toBeGreaterThan(40);
    await h.events$((e) => e.type === 'article.updated', published.length);
    const stored = await h.store.Article.find(
      {},
      { urlKey: 1, extraction: 1, title: 1, attribution: 1, sourceUrl: 1, language: 1, body: 1 },
    ).lean();
    expect(stored).toHaveLength(published.length);
    const keys = new Set(stored.map((a) => a.urlKey));
    for (const e of published) expect(keys.has(urlKey(e.url))).toBe(true);
    for (const a of stored) {
      expect(a.extraction!.status).toBe('ok');
      expect(a.attribution.length).toBeGreaterThan(0);
      expect(a.sourceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(a.body!.length).toBeGreaterThan(200);
    }
    const titles = new Set(stored.map((a) => a.title));
    for (const lang of ['ja', 'ru']) {
      const sample = published.find((e) => e.lang.startsWith(lang))!;
      expect(titles.has(sample.title)).toBe(true);
    }
    expect(stored.filter((a) => a.language === 'ja').length).toBeGreaterThan(5);
  }, 90_000);

  it('picks up a newly published entry on the next poll', async () => {
    const entry = pub.publish('sakura-nippo');
    await h.store.Feed.updateMany({}, { $set: { nextPollAt: new Date(Date.now() - 1000) } });
    const added = h.nextEvent((e) => e.type === 'article.added' && e.url === entry.url);
    await tick();
    expect(await added).toMatchObject({ title: entry.title });
    await h.nextEvent((e) => e.type === 'article.updated' && e.url === entry.url);
    expect(await h.store.Article.countDocuments({ urlKey: urlKey(entry.url) })).toBe(1);
  }, 60_000);
});
