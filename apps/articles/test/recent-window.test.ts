import { encodeEvent } from '@newsline/domain';
import type { Store } from '@newsline/store';
import { merge, RecentWindow, type WindowDoc } from '../src/recent-window';
import { matcher, pageFromWindow } from '../src/schema';

const id = (i: number) => i.toString(16).padStart(24, '0');
const T0 = Date.parse('2026-01-01T00:00:00Z');
/** Newest first; every pair shares a publishedAt so ties on time are ordered by _id desc. */
const docs: WindowDoc[] = Array.from({ length: 10 }, (_, k) => {
  const i = 9 - k;
  return {
    _id: id(i),
    title: `t${i}`,
    url: `https://x.example/${i}`,
    sourceUrl: `https://x.example/${i}`,
    attribution: 'x',
    sourceId: id(100 + (i % 2)),
    language: i % 2 ? 'en' : 'ja',
    publishedAt: new Date(T0 + Math.floor(i / 2) * 60_000),
    terms: [`w${i}`],
  };
});

describe('pageFromWindow', () => {
  it('pages a complete window like the database query: order, filters, cursor, hasNextPage', () => {
    const w = { docs, complete: true };
    const p1 = pageFromWindow(w, matcher({ languages: ['en'] }), 2)!;
    expect(p1.edges.map((e) => e.node.id)).toEqual([id(9), id(7)]);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const c = Buffer.from(p1.pageInfo.endCursor!, 'base64url').toString().split(':');
    const p2 = pageFromWindow(w, matcher({ languages: ['en'] }), 10, { t: Number(c[0]), id: c[1]! })!;
    expect(p2.edges.map((e) => e.node.id)).toEqual([id(5), id(3), id(1)]);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect(pageFromWindow(w, matcher({ sourceIds: [id(100)], query: 'w4' }), 5)!.edges.map((e) => e.node.id)).toEqual([id(4)]);
    expect(pageFromWindow(w, matcher({ from: new Date(T0 + 4 * 60_000) }), 5)!.edges.map((e) => e.node.id)).toEqual([id(9), id(8)]);
    expect(pageFromWindow(w, matcher({ query: '?!' }), 5)!.edges).toEqual([]);
  });

  it('gives up (database fallback) when a partial window holds fewer than first+1 matches', () => {
    const w = { docs, complete: false };
    expect(pageFromWindow(w, matcher({ languages: ['en'] }), 4)).toBeDefined(); // 5 matches: page + next known
    expect(pageFromWindow(w, matcher({ languages: ['en'] }), 5)).toBeUndefined(); // older ones may exist
    expect(pageFromWindow(w, matcher({ languages: ['de'] }), 1)).toBeUndefined();
    // Bounded by `from` newer than the window's oldest article: the window holds every match.
    const from = new Date(T0 + 2 * 60_000);
    const p = pageFromWindow(w, matcher({ languages: ['en'], from }), 5, undefined, from)!;
    expect(p.edges.map((e) => e.node.id)).toEqual([id(9), id(7), id(5)]);
    expect(p.pageInfo.hasNextPage).toBe(false);
    // Not when `from` reaches as far back as the window's oldest: older ones may exist beyond it.
    expect(pageFromWindow(w, matcher({ languages: ['en'], from: new Date(T0) }), 5, undefined, new Date(T0))).toBeUndefined();
  });
});

describe('RecentWindow', () => {
  /** A store whose find() the test resolves by hand; findById answers from `byId`. */
  function fakeStore(byId: Map<string, WindowDoc> = new Map()) {
    const reads: ((rows: WindowDoc[]) => void)[] = [];
    const byIdReads: string[] = [];
    const q = { select: () => q, sort: () => q, limit: () => q, lean: () => new Promise<WindowDoc[]>((r) => reads.push(r)) };
    const Article = {
      find: () => q,
      findById: (id: string) => {
        byIdReads.push(id);
        return { select: () => ({ lean: () => Promise.resolve(byId.get(id) ?? null) }) };
      },
    };
    return { store: { Article } as unknown as Store, reads, byIdReads };
  }

  it('reads once for concurrent pages, refreshes in the background, and applies a removal to a read in flight', async () => {
    let now = 0;
    const { store, reads } = fakeStore();
    const w = new RecentWindow(store, { size: 100, maxAgeMs: 1000, now: () => now });
    const a = w.get();
    const b = w.get();
    expect(reads).toHaveLength(1);
    reads[0]!(docs);
    expect((await a).docs).toHaveLength(10);
    expect(await b).toBe(await a);
    now = 600; // past half the max age: answered now, refreshed behind
    expect((await w.get()).docs).toHaveLength(10);
    expect(reads).toHaveLength(2);
    w.remove(id(9)); // arrives while the refresh (which read it) is in flight
    expect((await w.get()).docs.map((d) => String(d._id))).not.toContain(id(9));
    reads[1]!(docs);
    await new Promise(setImmediate);
    const s = await w.get();
    expect(s.docs.map((d) => String(d._id))).not.toContain(id(9));
    expect(s.complete).toBe(true);
    now = 600 + 1000; // old, but holding every event: answered now (9: id 9 was removed), a read runs behind
    expect((await w.get()).docs).toHaveLength(9);
    expect(reads).toHaveLength(3);
    expect((await w.get()).docs).toHaveLength(9); // one read at a time
    expect(reads).toHaveLength(3);
    now = 600 + 10 * 1000; // no read landed for 10 max ages: the next page waits for it
    const waiting = w.get();
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise(setImmediate);
    expect(answered).toBe(false);
    reads[2]!(docs.slice(0, 3));
    expect((await waiting).docs).toHaveLength(3);
  });

  it('spaces background re-reads by 10x the last read’s duration, answering from the window meanwhile', async () => {
    let now = 0;
    const { store, reads } = fakeStore();
    const w = new RecentWindow(store, { size: 100, maxAgeMs: 1000, now: () => now });
    const first = w.get();
    now = 4000; // the first read took 4 s
    reads[0]!(docs);
    expect((await first).docs).toHaveLength(10);
    now = 4000 + 39_000; // old (its read started at 0), but the last read ended only 39 s ago: < 10 x 4 s
    expect((await w.get()).docs).toHaveLength(10);
    expect(reads).toHaveLength(1);
    now = 4000 + 40_000; // rested 10 x 4 s: a read starts behind, the page is answered at once
    expect((await w.get()).docs).toHaveLength(10);
    expect(reads).toHaveLength(2);
  });

  const at = new Date(0).toISOString();
  const event = (type: 'article.added' | 'article.updated', i: number) =>
    encodeEvent({ type, articleId: id(i), url: `https://x.example/${i}`, sourceUrl: `https://x.example/${i}`, sourceId: id(101), title: `t${i}`, publishedAt: at, at });
  const ids = (s: { docs: readonly WindowDoc[] }) => s.docs.map((d) => String(d._id));

  it('never answers without an article.added/updated event already received: applies it by `_id`, no full re-read', async () => {
    const newest = { ...docs[0]!, _id: id(20), publishedAt: new Date(T0 + 3_600_000) };
    const { store, reads, byIdReads } = fakeStore(new Map([[id(20), newest]]));
    const w = new RecentWindow(store, { size: 100, maxAgeMs: 60_000, now: () => 0 });
    const first = w.get();
    reads[0]!(docs);
    expect((await first).docs).toHaveLength(10);
    w.dispatch(event('article.added', 20));
    const next = await w.get(); // asked after the event: must hold it
    expect(ids(next)[0]).toBe(id(20));
    expect(byIdReads).toEqual([id(20)]);
    expect(reads).toHaveLength(1); // no full read
    expect(next.complete).toBe(true);
  });

  it('keeps a partial window the newest `size`: new ones push the oldest out, an update below its oldest leaves it', async () => {
    const byId = new Map<string, WindowDoc>();
    const { store, reads } = fakeStore(byId);
    const w = new RecentWindow(store, { size: 5, maxAgeMs: 60_000, now: () => 0 });
    const first = w.get();
    reads[0]!(docs.slice(0, 5)); // ids 9..5, the collection holds more
    expect((await first).complete).toBe(false);
    byId.set(id(30), { ...docs[0]!, _id: id(30), publishedAt: new Date(T0 + 3_600_000) });
    byId.set(id(7), { ...docs[2]!, publishedAt: new Date(T0 - 3_600_000) }); // re-dated by extraction: now older than the window
    w.dispatch(event('article.added', 30));
    w.dispatch(event('article.updated', 7));
    const s = await w.get();
    // 30 pushed 5 out (applied first); 7 left below the new oldest (6): 5 is not known to the window any more.
    expect(ids(s)).toEqual([id(30), id(9), id(8), id(6)]);
    expect(s.complete).toBe(false);
    expect(reads).toHaveLength(1);
  });

  it('applies events that arrive during a full read on top of it when it lands', async () => {
    const newest = { ...docs[0]!, _id: id(40), publishedAt: new Date(T0 + 3_600_000) };
    const { store, reads } = fakeStore(new Map([[id(40), newest]]));
    const w = new RecentWindow(store, { size: 100, maxAgeMs: 60_000, now: () => 0 });
    const first = w.get();
    w.dispatch(event('article.added', 40)); // the read in flight may have missed it
    const later = w.get();
    reads[0]!(docs);
    await first;
    const s = await later;
    expect(ids(s)[0]).toBe(id(40));
    expect(reads).toHaveLength(1);
  });

  it('merge drops gone articles and keeps order by (publishedAt, _id) desc', () => {
    const m = merge({ docs, complete: true }, [{ id: id(9), doc: null }, { id: id(50), doc: { ...docs[9]!, _id: id(50) } }], 100);
    expect(m.docs.map((d) => String(d._id))).toEqual([id(8), id(7), id(6), id(5), id(4), id(3), id(2), id(50), id(1), id(0)]);
    expect(merge({ docs, complete: true }, [{ id: id(60), doc: { ...docs[0]!, _id: id(60) } }], 10)).toMatchObject({ complete: false });
  });
});
