import { articleIdFor, canonicalUrl, urlKey } from '@newsline/domain';
import { auditModels, takedownModel, tombstoneModel } from '@newsline/store';
import {
  findScopeMatches,
  removeTombstone,
  scopeKey,
  TombstoneGate,
  verifyAuditChain,
  type ScopeKind,
} from '@newsline/takedowns';
import { Types } from 'mongoose';
import type { IngestContext } from '../src/ingest/context';
import { fetchFeed } from '../src/ingest/fetch-feed';
import { assignStory, bandKey, simhashBands } from '../src/ingest/stories';
import { enforceTakedown, type EnforceDeps } from '../src/takedown/enforce';
import { gatedEnqueueExtract } from '../src/takedown/gate';
import { createTakedownQueue, startTakedownWorker } from '../src/takedown/queue';
import { startTakedownSweeper } from '../src/takedown/sweeper';
import { addFeed, harness, publisher, rss, type Harness } from './harness';

let h: Harness;
let deps: EnforceDeps;
let gate: TombstoneGate;
beforeAll(async () => {
  h = await harness();
  deps = { store: h.store, redis: h.redis, log: h.ctx.log };
  gate = await new TombstoneGate(h.store, h.redis).start();
});
afterAll(async () => {
  gate.stop();
  await h.close();
});

async function source(key: string): Promise<string> {
  const s = await h.store.Source.create({ key, name: key, homepage: 'https://example.org/', attribution: key });
  return String(s._id);
}

async function seed(sourceId: string, url: string, extra: Record<string, unknown> = {}): Promise<string> {
  const key = urlKey(url);
  const id = articleIdFor(key);
  const u = canonicalUrl(url);
  await h.store.Article.create({
    _id: id,
    urlKey: key,
    url: u,
    sourceUrl: u,
    attribution: 'x',
    sourceId,
    title: `T ${key}`,
    publishedAt: new Date(),
    terms: ['t'],
    ...extra,
  });
  await h.store.Source.updateOne({ _id: sourceId }, { $inc: { 'counts.articles': 1 } });
  return id;
}

async function approved(kind: ScopeKind, value: string): Promise<string> {
  const r = await takedownModel(h.store.conn).create({
    status: 'approved',
    scope: { kind, value, key: scopeKey(kind, value) },
    reason: 'COPYRIGHT',
    requester: { name: 'Rights Desk', email: 'rights@example.org' },
    relation: 'PUBLISHER',
    statement: 'This content is ours and must be removed.',
    deadline: new Date(Date.now() + 86_400_000),
  });
  return String(r._id);
}

const exists = async (ids: string[]) =>
  (await h.store.Article.find({ _id: { $in: ids } }, { _id: 1 }).lean()).map((a) => String(a._id)).sort();
const removedEvents = (ids: string[]) => h.events$((e) => e.type === 'headline.removed' && ids.includes(e.articleId), ids.length);

describe('takedown enforcement, per scope', () => {
  it('URL: removes every variant of the one article, its story bands and counter; tombstones it; audits the ids', async () => {
    const src = await source('url-scope');
    const simhash = '0123456789abcdef';
    const gone = await seed(src, 'https://www.url-scope.example/news/a1/', { simhash });
    const kept = await seed(src, 'https://url-scope.example/news/a2', { simhash });
    const db = h.store.conn.name;
    // Both articles are in the story's bands (as extraction leaves them).
    expect(await assignStory(h.redis, db, kept, simhash, new Date())).toBe(kept);
    expect(await assignStory(h.redis, db, gone, simhash, new Date())).toBe(kept);
    const id = await approved('URL', 'http://url-scope.example/news/a1?utm_source=mail');
    const events = removedEvents([gone]);
    expect(await enforceTakedown(deps, id)).toEqual({ kind: 'enforced', removed: 1, reverified: false });
    await events;
    expect(await exists([gone, kept])).toEqual([kept]);
    for (const band of simhashBands(simhash))
      expect((await h.redis.lrange(bandKey(db, band), 0, -1)).map((m) => JSON.parse(m).a)).toEqual([kept]);
    expect((await h.store.Source.findById(src).lean())!.counts!.articles).toBe(1);
    const req = await takedownModel(h.store.conn).findById(id).lean();
    expect(req).toMatchObject({ status: 'enforced', enforcement: { step: 'verified', removed: 1, batch: [] } });
    expect(await tombstoneModel(h.store.conn).countDocuments({ kind: 'URL', key: 'url-scope.example/news/a1' })).toBe(1);
    expect(await gate.isBlocked('https://url-scope.example/news/a1/amp')).toBe(true);
    expect(await gate.isBlocked('https://url-scope.example/news/a2')).toBe(false);
    const audit = await auditModels(h.store.conn).Entry.find({ requestId: id }).sort({ _id: 1 }).lean();
    expect(audit.map((e) => e.action)).toEqual(['tombstones.written', 'articles.removed', 'enforced']);
    expect(audit[2]!.data).toEqual({ verifiedRemaining: 0, removed: 1 });
    expect(audit[1]!.data).toEqual({ articleIds: [gone] });
    expect((await verifyAuditChain(h.store.conn)).ok).toBe(true);
  });

  it('URL: finds an article re-keyed to the URL (stored under the feed link id)', async () => {
    const src = await source('rekeyed');
    // Stored under the feed link's id, re-keyed by extraction to the page's canonical URL.
    const rekeyed = await seed(src, 'https://rekeyed.example/feed-link/1');
    await h.store.Article.updateOne({ _id: rekeyed }, { $set: { urlKey: urlKey('https://rekeyed.example/story/1') } });
    const id = await approved('URL', 'https://rekeyed.example/story/1');
    expect(await findScopeMatches(h.store, { kind: 'URL', key: urlKey('https://rekeyed.example/story/1') })).toHaveLength(1);
    expect(await enforceTakedown(deps, id)).toMatchObject({ kind: 'enforced', removed: 1 });
    expect(await exists([rekeyed])).toEqual([]);
    // The re-verification finds nothing left.
    expect(await enforceTakedown(deps, id)).toEqual({ kind: 'enforced', removed: 0, reverified: true });
  });

  it('PREFIX, DOMAIN and SOURCE remove exactly what they cover', async () => {
    const a = await source('prefix-scope');
    const b = await source('other-source');
    const p = [await seed(a, 'https://pfx.example/sport/1'), await seed(a, 'https://www.pfx.example/sport/2?x=1')];
    const pKept = [await seed(a, 'https://pfx.example/sports-betting/1'), await seed(a, 'https://pfx.example/news/1')];
    const d = [await seed(b, 'https://dom.example/1'), await seed(b, 'https://live.dom.example/2')];
    const dKept = [await seed(b, 'https://notdom.example/1')];
    const s = [await seed(a, 'https://elsewhere.example/by-a')];

    const events = removedEvents([...p, ...d]);
    expect(await enforceTakedown(deps, await approved('PREFIX', 'https://pfx.example/sport/'))).toMatchObject({ removed: 2 });
    expect(await enforceTakedown(deps, await approved('DOMAIN', 'dom.example'))).toMatchObject({ removed: 2 });
    await events;
    expect(await exists([...p, ...d, ...pKept, ...dKept])).toEqual([...pKept, ...dKept].sort());
    expect(await gate.isBlocked('http://pfx.example/sport/3')).toBe(true);
    expect(await gate.isBlocked('https://m.live.dom.example/x')).toBe(true);
    expect(await gate.isBlocked('https://pfx.example/sports-betting/2')).toBe(false);

    const sourceReq = await approved('SOURCE', a);
    expect(await enforceTakedown(deps, sourceReq)).toMatchObject({ removed: 3 });
    expect(await h.store.Article.countDocuments({ sourceId: a })).toBe(0);
    expect(await exists(s)).toEqual([]);
    expect(await h.store.Article.countDocuments({ sourceId: b })).toBe(1);
    // The source is paused (no polling) and the intent is recorded for reinstatement.
    expect((await h.store.Source.findById(a).lean())!.paused).toBe(true);
    expect((await takedownModel(h.store.conn).findById(sourceReq).lean())!.enforcement!.pausedSource).toBe(true);
    expect(await gate.isBlocked('https://anything.example/x', { sourceId: a, fresh: true })).toBe(true);
  });
});

describe('crash safety', () => {
  it('a worker killed after tombstoning, after journalling and after deleting finishes on re-run with exact counters', async () => {
    const src = await source('crashy');
    const ids: string[] = [];
    for (const i of [1, 2, 3, 4]) ids.push(await seed(src, `https://crash.example/x/${i}`));
    const id = await approved('PREFIX', 'https://crash.example/x/');
    const kill = (at: string) => (step: string) => {
      if (step === at) throw new Error(`killed at ${step}`);
    };
    const R = takedownModel(h.store.conn);
    await expect(enforceTakedown({ ...deps, checkpoint: kill('tombstoned') }, id)).rejects.toThrow('killed at tombstoned');
    expect(await exists(ids)).toHaveLength(4);
    expect(await gate.isBlocked('https://crash.example/x/9', { fresh: true })).toBe(true);

    await expect(enforceTakedown({ ...deps, checkpoint: kill('journalled') }, id)).rejects.toThrow('killed at journalled');
    expect(await exists(ids)).toHaveLength(4);
    expect((await R.findById(id).lean())!.enforcement!.batch).toHaveLength(4);
    // Partial progress of the dead run: two of the journalled articles were already deleted.
    await h.store.Article.deleteMany({ _id: { $in: ids.slice(0, 2) } });
    await h.store.Source.updateOne({ _id: src }, { $inc: { 'counts.articles': -2 } });

    await expect(enforceTakedown({ ...deps, checkpoint: kill('removed') }, id)).rejects.toThrow('killed at removed');
    expect(await exists(ids)).toEqual([]);
    const mid = await R.findById(id).lean();
    expect(mid).toMatchObject({ status: 'approved', enforcement: { step: 'removing' } });
    expect(mid!.enforcement!.batch).toHaveLength(4);

    const events = removedEvents(ids);
    expect(await enforceTakedown(deps, id)).toMatchObject({ kind: 'enforced', removed: 0 });
    await events;
    expect((await h.store.Source.findById(src).lean())!.counts!.articles).toBe(0);
    expect(await R.findById(id).lean()).toMatchObject({ status: 'enforced', enforcement: { batch: [] } });
    expect(await tombstoneModel(h.store.conn).findOne({ key: 'crash.example/x/' }).lean()).toMatchObject({ requestIds: [id] });
    expect((await verifyAuditChain(h.store.conn)).ok).toBe(true);
  });

  it('runs through the BullMQ queue: a job that dies is retried and completes', async () => {
    const src = await source('queued');
    const ids = await Promise.all([1, 2].map((i) => seed(src, `https://queued.example/q/${i}`)));
    const id = await approved('PREFIX', 'https://queued.example/q/');
    const conn = h.redis.duplicate({ maxRetriesPerRequest: null });
    const q = createTakedownQueue(conn, h.prefix);
    let killed = false;
    const worker = startTakedownWorker(
      {
        ...deps,
        checkpoint: (s) => {
          if (s === 'journalled' && !killed) {
            killed = true;
            throw new Error('killed');
          }
        },
      },
      conn,
      { prefix: h.prefix },
    );
    const failed = new Promise((r) => worker.once('failed', r));
    const done = new Promise((r) => worker.once('completed', r));
    await q.enqueue(id);
    await q.enqueue(id); // idempotent job id: one job
    await failed;
    await done;
    expect(await exists(ids)).toEqual([]);
    expect((await takedownModel(h.store.conn).findById(id).lean())!.status).toBe('enforced');
    await worker.close();
    await q.queue.obliterate({ force: true });
    await q.close();
    conn.disconnect();
  });
});

describe('ingestion honours tombstones', () => {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  async function feedOf(items: { path: string; title: string }[]) {
    const pub = await publisher({
      '/feed.xml': (_q, res) =>
        res
          .writeHead(200, { 'content-type': 'application/rss+xml' })
          .end(rss(items.map((i, n) => ({ title: i.title, link: `${pub.url}${i.path}`, guid: `${i.path}`, date: minutesAgo(10 + n) })))),
    });
    const f = await addFeed(h.store, `${pub.url}/feed.xml`);
    return { pub, ...f };
  }

  function gatedCtx(onBlocked?: () => void): IngestContext {
    return {
      ...h.ctx,
      isBlocked: (url) => gate.isBlocked(url),
      enqueueExtract: gatedEnqueueExtract({ store: h.store, redis: h.redis, gate, enqueue: h.ctx.enqueueExtract, onBlocked }),
    };
  }

  it('race: an entry stored between the tombstone write and the delete query is removed by the enforcement', async () => {
    const { pub, feedId } = await feedOf([{ path: '/race/1', title: 'Race one' }]);
    const id = await approved('PREFIX', `${pub.url}/race/`);
    // The feed poll passed its gate before the tombstone existed (a stale view) and upserts now.
    const stale: IngestContext = { ...h.ctx, isBlocked: async () => false };
    const checkpoint = async (s: string) => {
      if (s === 'tombstoned') expect(await fetchFeed(stale, feedId)).toMatchObject({ kind: 'ok', created: 1 });
    };
    expect(await enforceTakedown({ ...deps, checkpoint }, id)).toMatchObject({ kind: 'enforced', removed: 1 });
    expect(await h.store.Article.countDocuments({ url: `${pub.url}/race/1` })).toBe(0);
    await pub.close();
  });

  it('race: an entry upserted after the enforcement finished is caught by the check after the upsert', async () => {
    const { pub, feedId } = await feedOf([{ path: '/late/1', title: 'Late one' }]);
    const id = await approved('PREFIX', `${pub.url}/late/`);
    expect(await enforceTakedown(deps, id)).toMatchObject({ removed: 0 });
    // Pre-upsert gate stale (passes), post-upsert gate fresh: the article must not survive.
    let blocked = 0;
    const ctx = { ...gatedCtx(() => blocked++), isBlocked: async () => false };
    const articleId = articleIdFor(urlKey(`${pub.url}/late/1`));
    const removed = h.nextEvent((e) => e.type === 'headline.removed' && e.articleId === articleId);
    expect(await fetchFeed(ctx, feedId)).toMatchObject({ kind: 'ok', created: 1 });
    expect(blocked).toBe(1);
    await removed;
    expect(await h.store.Article.countDocuments({ _id: articleId })).toBe(0);
    await pub.close();
  });

  it('blocks a tombstoned scope at the gate, and resumes ingestion once reinstated', async () => {
    const {
      pub,
      feedId,
      source: src,
    } = await feedOf([
      { path: '/re/1', title: 'Reinstated one' },
      { path: '/keep/1', title: 'Unrelated' },
    ]);
    expect(await fetchFeed(gatedCtx(), feedId)).toMatchObject({ created: 2 });
    const id = await approved('PREFIX', `${pub.url}/re/`);
    await enforceTakedown(deps, id);
    expect(await h.store.Article.countDocuments({ sourceId: src._id })).toBe(1);
    // The publisher keeps serving the entry. The feed remembers it as stored (a new tombstone
    // leaves that memory alone), so it is not even offered to the gate...
    expect(await fetchFeed(gatedCtx(), feedId)).toMatchObject({ created: 0, blocked: 0 });
    // ...and once Redis has lost that memory, the gate refuses it on every poll.
    await h.redis.del(`newsline:feed-seen:${feedId}`);
    expect(await fetchFeed(gatedCtx(), feedId)).toMatchObject({ created: 0, blocked: 1 });
    await h.redis.del(`newsline:feed-seen:${feedId}`);
    expect(await fetchFeed(gatedCtx(), feedId)).toMatchObject({ created: 0, blocked: 1 });
    expect(await h.store.Article.countDocuments({ sourceId: src._id })).toBe(1);

    // Reinstatement (compliance's reinstate does this, audited): the tombstone goes, ingestion resumes.
    await takedownModel(h.store.conn).updateOne({ _id: id }, { $set: { status: 'reinstated' } });
    expect(await removeTombstone(h.store, h.redis, { kind: 'PREFIX', key: scopeKey('PREFIX', `${pub.url}/re/`) }, id)).toBe(true);
    expect(await fetchFeed(gatedCtx(), feedId)).toMatchObject({ created: 1, blocked: 0 });
    expect(await h.store.Article.countDocuments({ sourceId: src._id })).toBe(2);
    await pub.close();
  });

  it('blocks the feed fetch itself when the feed URL is under a takedown', async () => {
    const { pub, feedId } = await feedOf([{ path: '/f/1', title: 'x' }]);
    await enforceTakedown(deps, await approved('URL', `${pub.url}/feed.xml`));
    const hits = pub.hits.length;
    expect(await fetchFeed(gatedCtx(), feedId)).toMatchObject({ kind: 'error', code: 'blocked' });
    expect(pub.hits.length).toBe(hits);
    await pub.close();
  });
});

describe('SLA sweeper', () => {
  it('re-enqueues approved requests, counts overdue ones for /metrics, re-verifies stale enforced ones', async () => {
    const R = takedownModel(h.store.conn);
    const late = await approved('URL', 'https://sweep.example/late');
    await R.updateOne({ _id: late }, { $set: { deadline: new Date(Date.now() - 1000) } });
    const enforcedId = await approved('URL', 'https://sweep.example/done');
    await enforceTakedown(deps, enforcedId);
    await R.updateOne({ _id: enforcedId }, { $set: { 'enforcement.verifiedAt': new Date(Date.now() - 7_200_000) } });
    const enqueued: string[] = [];
    const sw = startTakedownSweeper({
      store: h.store,
      log: h.ctx.log,
      everyMs: 3_600_000,
      reverifyMs: 3_600_000,
      enqueue: async (i) => void enqueued.push(i),
    });
    const r = await sw.tick();
    await sw.stop();
    expect(enqueued).toContain(late);
    expect(enqueued).toContain(enforcedId);
    expect(r.overdue).toBeGreaterThanOrEqual(1);
    expect(sw.metrics()).toMatch(
      new RegExp(`^# HELP takedown_overdue .*\\n# TYPE takedown_overdue gauge\\ntakedown_overdue ${r.overdue}\\n$`),
    );
    // Re-verification of an enforced scope removes a leftover that slipped in.
    const src = new Types.ObjectId().toHexString();
    const leftover = await seed(src, 'https://sweep.example/done?utm_source=x').catch(() => articleIdFor('sweep.example/done'));
    expect(await enforceTakedown(deps, enforcedId)).toEqual({ kind: 'enforced', removed: 1, reverified: true });
    expect(await exists([leftover])).toEqual([]);
  });
});
