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
 * page. On FerretDB every filtered, sorted find is a full collection scan (seconds of its CPU at
 * tens of thousands of articles), so N concurrent page requests with N different filters cost N
 * scans; through the window they cost one scan per refresh. A page is answered from the window
 * only when the window provably holds it (first+1 matches found, or the window is the whole
 * collection); otherwise the caller queries the database.
 * Freshness: `article.added`/`article.updated` events are applied as they arrive (the article
 * read by `_id`, merged in order; an update that moves an article below the window's oldest
 * leaves it), and a page never uses a window that lacks an event this process had received when
 * the page was asked (it waits for that event to be applied). Removals apply at once from
 * `headline.removed`, including to a read in flight. The whole window is re-read in the
 * background from half `maxAgeMs` (writes that publish no event), at most one read per
 * REREAD_SPACING × the last read's duration, while pages keep being answered from it; a page
 * waits for a read only when none has landed for max(10 × `maxAgeMs`, (REREAD_SPACING + 2) × a
 * read's duration), and when events could not be applied.
 */
/** What the window reads of an article (everything a headline or search page shows or filters on). */
const WINDOW_FIELDS = '-text -simhashBands -entryIds -keywords';
/** How many max ages a window that holds every received event is still answered from. */
const STALE_LIMIT = 10;
/**
 * Background re-reads are spaced by this many times the last read's duration: on FerretDB a read
 * is a sorted full collection scan (seconds at tens of thousands of articles), so they take at
 * most 1/11 of its time. At 3× (a quarter), sorted reads (these and the workers' scheduler's)
 * were 35% of FerretDB's CPU late in the 10-minute soak, while catch-up clients paged. Every
 * write publishes an event that is applied at once, so the re-read only catches what no event
 * announced.
 */
const REREAD_SPACING = 10;
/** Articles read by `_id` at once when applying events. */
const APPLY_BATCH = 64;
/** Applied events remembered for a full read in flight (far more than arrive during one). */
const APPLIED_KEPT = 20_000;

/**
 * A read document with its `_id` as a string: ids are compared on every merge and page (an
 * ObjectId is re-encoded to hex on each String() call), so that is done once per read.
 */
function withStringId(d: WindowDoc): WindowDoc {
  return typeof d._id === 'string' ? d : { ...d, _id: String(d._id) };
}

const newerFirst = (a: WindowDoc, b: WindowDoc) =>
  b.publishedAt.getTime() - a.publishedAt.getTime() || (String(b._id) < String(a._id) ? -1 : String(b._id) > String(a._id) ? 1 : 0);

/**
 * A window with `updates` applied (in order; a null doc means the article is gone). Of a partial
 * window only what is at least as new as its oldest article can be known to be among the newest;
 * anything past `size` is cut, and the window is then partial.
 */
export function merge(
  w: { docs: readonly WindowDoc[]; complete: boolean },
  updates: readonly { id: string; doc: WindowDoc | null }[],
  size: number,
): { docs: WindowDoc[]; complete: boolean } {
  // The last update of an article wins. A batch is a few articles against a window of thousands
  // (events arrive ~100/s): they are dropped and re-inserted by binary search, not re-sorted.
  const last = new Map<string, WindowDoc | null>();
  for (const u of updates) last.set(u.id, u.doc);
  const docs = w.docs.filter((d) => !last.has(String(d._id)));
  const oldest = w.docs[w.docs.length - 1];
  for (const doc of last.values()) {
    if (!doc || (!w.complete && oldest && newerFirst(doc, oldest) > 0)) continue;
    let lo = 0;
    let hi = docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newerFirst(docs[mid]!, doc) <= 0) lo = mid + 1;
      else hi = mid;
    }
    docs.splice(lo, 0, doc);
  }
  if (docs.length > size) return { docs: docs.slice(0, size), complete: false };
  return { docs, complete: w.complete };
}

export class RecentWindow {
  private snap?: WindowSnapshot & { loadedAt: number; changes: number };
  private loading?: { p: Promise<WindowSnapshot>; changes: number };
  /** Count of added/updated events received: a read that started before the latest one may lack it. */
  private changes = 0;
  private removedDuringLoad?: Set<string>;
  /** Events received, not yet applied (read by `_id` in batches). */
  private pending: { id: string; seq: number }[] = [];
  private draining?: Promise<void>;
  /** Applied events, newest last: re-applied on top of a full read that started before them. */
  private applied: { id: string; seq: number; doc: WindowDoc | null }[] = [];
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
      // Holding every event received, an old window is still answered from while a re-read runs
      // behind (it only catches writes that publish no event). Waiting for that read instead made
      // every page wait once a full read took longer than the max age (on FerretDB, ~30,000
      // articles): catch-up clients timed out on every page. Re-reads are spaced by REREAD_SPACING
      // × the last one's duration, however long a read grows; past max(STALE_LIMIT × the max age,
      // REREAD_SPACING + 2 reads) a page waits for the read after all.
      const limit = Math.max(this.opts.maxAgeMs * STALE_LIMIT, (REREAD_SPACING + 2) * this.lastLoadMs);
      if (s && age < limit && s.changes >= needed) {
        const rested = this.now() - this.lastLoadEnd >= REREAD_SPACING * this.lastLoadMs;
        if (age >= this.opts.maxAgeMs / 2 && !this.loading && rested) this.load().catch(() => undefined); // the next caller retries
        return s;
      }
      // Behind by events being applied: wait for the batch under way, then look again (waiting
      // for the whole drain would wait forever while events keep coming).
      if (s && age < limit && this.draining && !this.behind) {
        await Promise.race([this.draining, this.batchDone()]);
        continue;
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
      .select(WINDOW_FIELDS)
      .sort({ publishedAt: -1, _id: -1 })
      .limit(this.opts.size)
      .lean()
      .then((rows) => {
        const all = (rows as unknown as WindowDoc[]).map(withStringId);
        const docs = removed.size ? all.filter((d) => !removed.has(String(d._id))) : all;
        let snap = { docs, complete: all.length < this.opts.size, loadedAt: started, changes };
        // Events that arrived during the read and were applied meanwhile go on top of it.
        const later = this.applied.filter((a) => a.seq > changes);
        if (later.length && later[0]!.seq === changes + 1) {
          snap = { ...snap, ...merge(snap, later, this.opts.size), changes: later[later.length - 1]!.seq };
        }
        this.lastLoadEnd = this.now();
        this.lastLoadMs = this.lastLoadEnd - started;
        if (generation === this.generation && (!this.snap || this.snap.loadedAt <= started)) {
          this.snap = snap;
          this.behind = false;
        }
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
    if (!e) return;
    if (e.type === 'headline.removed') return this.remove(e.articleId);
    this.changes++;
    // Nothing to apply to (no window read yet, none in flight): the first read covers it.
    if (!this.snap && !this.loading) return;
    this.pending.push({ id: e.articleId, seq: this.changes });
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private batchWaiters: (() => void)[] = [];
  /** Duration and end of the last full read (ms): re-reads are spaced by its duration. */
  private lastLoadMs = 0;
  private lastLoadEnd = 0;
  /** A batch could not be applied: later ones cannot join the window until a full read lands. */
  private behind = false;

  /** Resolves when the batch being applied now has been applied (or given up). */
  private batchDone(): Promise<void> {
    return new Promise((r) => this.batchWaiters.push(r));
  }

  /** Applies received events in order: each article read by `_id`, merged into the window. */
  private async drain(): Promise<void> {
    try {
      await this.drainBatches();
    } finally {
      for (const w of this.batchWaiters.splice(0)) w();
    }
  }

  private async drainBatches(): Promise<void> {
    while (this.pending.length) {
      for (const w of this.batchWaiters.splice(0)) w();
      const batch = this.pending.splice(0, APPLY_BATCH);
      const generation = this.generation;
      let docs: (WindowDoc | null)[];
      try {
        docs = await Promise.all(batch.map((b) => this.store.Article.findById(b.id).select(WINDOW_FIELDS).lean() as Promise<WindowDoc | null>));
      } catch {
        // Unapplied: the window stays behind these events, so the next page re-reads it whole.
        this.pending = [];
        this.behind = true;
        return;
      }
      if (generation !== this.generation) continue;
      const updates = batch.map((b, i) => ({ id: b.id, seq: b.seq, doc: docs[i] ? withStringId(docs[i]) : null }));
      this.applied.push(...updates);
      if (this.applied.length > APPLIED_KEPT) this.applied.splice(0, this.applied.length - APPLIED_KEPT);
      const s = this.snap;
      // Only onto a window that holds every earlier event (else it is re-read, and a read in flight
      // picks these up from `applied` when it lands).
      if (s && s.changes >= batch[0]!.seq - 1) this.snap = { ...s, ...merge(s, updates, this.opts.size), changes: batch[batch.length - 1]!.seq };
    }
  }

  /** Forgets everything: the next page waits for a fresh read. */
  clear(): void {
    this.generation++;
    this.pending = [];
    this.applied = [];
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
