import { EVENTS_CHANNEL, decodeEvent } from '@newsline/domain';
import type { Store } from '@newsline/store';
import type Redis from 'ioredis';

/** What a window keeps of an article: the lean document (with `terms`, for filtering). */
export interface WindowDoc {
  _id: { toString(): string };
  publishedAt: Date;
  sourceId?: unknown;
  language?: string | null;
  country?: string | null;
  section?: string | null;
  terms?: string[];
  [k: string]: unknown;
}

export interface WindowSnapshot {
  /** Newest first by (publishedAt, _id), as the headlines query sorts. */
  docs: readonly WindowDoc[];
  /** True when the collection held fewer articles than the window size: the window is all of it. */
  complete: boolean;
}

/**
 * The newest `size` articles, read with ONE sorted query and shared by every headlines/search
 * page until it is `maxAgeMs` old. On FerretDB every filtered, sorted find is a full collection
 * scan, so N concurrent page requests with N different filters cost N scans; through the window
 * they cost one scan per refresh. A page is answered from the window only when the window
 * provably holds it (first+1 matches found, or the window is the whole collection); otherwise the
 * caller queries the database. Freshness: a page never uses a window read before an
 * `article.added`/`article.updated` event this process had received when the page was asked
 * (it waits for the next read: at most one read runs at a time, shared by all waiting pages);
 * removals are applied at once from `headline.removed` events, including to a read in flight;
 * writes that publish no event show within `maxAgeMs` (a background refresh starts at half that
 * age while the older window keeps answering).
 */
export class RecentWindow {
  private snap?: WindowSnapshot & { loadedAt: number; changes: number };
  private loading?: { p: Promise<WindowSnapshot>; changes: number };
  /** Count of added/updated events received: a read that started before the latest one may lack it. */
  private changes = 0;
  private removedDuringLoad?: Set<string>;
  private sub?: Redis;
  /** Bumped by clear(): a read that started before it is not kept. */
  private generation = 0;
  loads = 0;

  constructor(
    private readonly store: Store,
    private readonly opts: { size: number; maxAgeMs: number; now?: () => number },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The window, re-read when too old or older than an event already received; one read at a time. */
  async get(): Promise<WindowSnapshot> {
    const needed = this.changes;
    for (;;) {
      const s = this.snap;
      const age = s ? this.now() - s.loadedAt : Infinity;
      if (s && age < this.opts.maxAgeMs && s.changes >= needed) {
        if ((age >= this.opts.maxAgeMs / 2 || s.changes < this.changes) && !this.loading) this.load().catch(() => undefined); // the next caller retries
        return s;
      }
      if (!this.loading) return this.load();
      if (this.loading.changes >= needed) return this.loading.p;
      await this.loading.p.catch(() => undefined); // started before an event we have seen: wait, then look again
    }
  }

  private load(): Promise<WindowSnapshot> {
    const started = this.now(); // the window's age counts from before the read
    const generation = this.generation;
    const changes = this.changes;
    const removed = new Set<string>();
    this.removedDuringLoad = removed;
    const p = this.store.Article.find({})
      .select('-text -simhashBands -entryIds -keywords')
      .sort({ publishedAt: -1, _id: -1 })
      .limit(this.opts.size)
      .lean()
      .then((rows) => {
        const all = rows as unknown as WindowDoc[];
        const docs = removed.size ? all.filter((d) => !removed.has(String(d._id))) : all;
        const snap = { docs, complete: all.length < this.opts.size, loadedAt: started, changes };
        if (generation === this.generation && (!this.snap || this.snap.loadedAt <= started)) this.snap = snap;
        this.loads++;
        return snap;
      });
    this.loading = { p, changes };
    const done = () => {
      if (this.loading?.p === p) {
        this.loading = undefined;
        this.removedDuringLoad = undefined;
      }
    };
    p.then(done, done);
    return p;
  }

  /** Drops an article now, from the window and from a refresh still in flight. */
  remove(articleId: string): void {
    this.removedDuringLoad?.add(articleId);
    const s = this.snap;
    if (s?.docs.some((d) => String(d._id) === articleId)) this.snap = { ...s, docs: s.docs.filter((d) => String(d._id) !== articleId) };
  }

  /** One message of EVENTS_CHANNEL (what the Redis subscription calls). */
  dispatch(raw: string): void {
    const e = decodeEvent(raw);
    if (e?.type === 'headline.removed') this.remove(e.articleId);
    else if (e) this.changes++;
  }

  /** Forgets everything: the next page waits for a fresh read. */
  clear(): void {
    this.generation++;
    this.snap = undefined;
    this.loading = undefined;
    this.removedDuringLoad = undefined;
  }

  /** Follows article events; clears the window when the event subscription reconnects (events may have been missed). */
  async start(redis: Redis): Promise<void> {
    const sub = redis.duplicate();
    this.sub = sub;
    let connected = false;
    sub.on('ready', () => {
      if (connected) this.clear();
      connected = true;
    });
    sub.on('error', () => undefined); // ioredis reconnects by itself; 'ready' clears the window then
    sub.on('message', (_ch: string, raw: string) => this.dispatch(raw));
    await sub.subscribe(EVENTS_CHANNEL);
  }

  async stop(): Promise<void> {
    await this.sub?.quit().catch(() => undefined);
  }
}
