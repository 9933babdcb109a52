import { encodeEvent } from '@newsline/domain';
import type { Store } from '@newsline/store';
import { RecentWindow, type WindowDoc } from '../src/recent-window';
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
  });
});

describe('RecentWindow', () => {
  /** A store whose find() the test resolves by hand. */
  function fakeStore() {
    const reads: ((rows: WindowDoc[]) => void)[] = [];
    const q = { select: () => q, sort: () => q, limit: () => q, lean: () => new Promise<WindowDoc[]>((r) => reads.push(r)) };
    return { store: { Article: { find: () => q } } as unknown as Store, reads };
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
    now = 600 + 1000; // too old: the next page waits for a read
    const waiting = w.get();
    expect(reads).toHaveLength(3);
    reads[2]!(docs.slice(0, 3));
    expect((await waiting).docs).toHaveLength(3);
  });

  it('never answers from a read older than an article.added event already received', async () => {
    const { store, reads } = fakeStore();
    const w = new RecentWindow(store, { size: 100, maxAgeMs: 60_000, now: () => 0 });
    const first = w.get();
    reads[0]!(docs.slice(1));
    expect((await first).docs).toHaveLength(9);
    const at = new Date(0).toISOString();
    const ev = {
      articleId: id(9),
      url: 'https://x.example/9',
      sourceUrl: 'https://x.example/9',
      sourceId: id(101),
      title: 't9',
      publishedAt: at,
      at,
    };
    w.dispatch(encodeEvent({ type: 'article.added', ...ev }));
    const next = w.get(); // the window is fresh by age but predates the event: waits for a new read
    expect(reads).toHaveLength(2);
    w.dispatch(encodeEvent({ type: 'article.updated', ...ev })); // during that read: a later page needs yet another
    const later = w.get();
    reads[1]!(docs);
    expect((await next).docs).toHaveLength(10);
    await new Promise(setImmediate);
    expect(reads).toHaveLength(3); // one read at a time
    reads[2]!(docs);
    expect((await later).docs).toHaveLength(10);
    expect(await w.get()).toBe(await later);
    expect(reads).toHaveLength(3);
  });
});
