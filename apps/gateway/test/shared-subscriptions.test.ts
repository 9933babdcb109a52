import { SharedSubscriptions, SlowConsumerError } from '../src/shared-subscriptions';

type R = { n: number };

/** A controllable upstream: push results, end it, see whether it was closed. */
function upstream() {
  const pending: ((r: IteratorResult<R>) => void)[] = [];
  const buffered: R[] = [];
  let closed = false;
  const it: AsyncGenerator<R> = {
    next: () =>
      buffered.length
        ? Promise.resolve({ value: buffered.shift()!, done: false })
        : closed
          ? Promise.resolve({ value: undefined, done: true })
          : new Promise((r) => pending.push(r)),
    return: () => {
      closed = true;
      for (const p of pending.splice(0)) p({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw: (e) => Promise.reject(e),
    [Symbol.asyncIterator]: () => it,
  } as AsyncGenerator<R>;
  return {
    it,
    push: (n: number) => {
      const p = pending.shift();
      if (p) p({ value: { n }, done: false });
      else buffered.push({ n });
    },
    end: () => void it.return(undefined),
    get closed() {
      return closed;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const SUB = { query: 'subscription { headlineAdded { title } }' };

describe('SharedSubscriptions', () => {
  it('keys only subscriptions, and keys them by principal, document and variables', () => {
    const s = new SharedSubscriptions<R>(8);
    const reader = s.keyFor('reader-1', SUB);
    expect(reader).toBeDefined();
    expect(s.keyFor('reader-1', { ...SUB })).toBe(reader);
    expect(s.keyFor('admin-1', SUB)).not.toBe(reader);
    expect(s.keyFor('reader-1', { ...SUB, variables: { f: 1 } })).not.toBe(reader);
    // Queries (possibly @defer'd) are never shared, nor is what cannot be parsed or has no text.
    expect(s.keyFor('reader-1', { query: '{ headlines { edges { cursor } } }' })).toBeUndefined();
    expect(s.keyFor('reader-1', { query: 'subscription {' })).toBeUndefined();
    expect(s.keyFor('reader-1', { extensions: { persistedQuery: { sha256Hash: 'x' } } })).toBeUndefined();
    // The named operation decides: a query named in a document that also has a subscription.
    const both = 'query Q { a } subscription S { b }';
    expect(s.keyFor('r', { query: both, operationName: 'Q' })).toBeUndefined();
    expect(s.keyFor('r', { query: both, operationName: 'S' })).toBeDefined();
  });

  it('starts one upstream per key, fans each result out to every consumer, and closes it when the last leaves', async () => {
    const s = new SharedSubscriptions<R>(8);
    const up = upstream();
    const other = upstream();
    let starts = 0;
    const a = s.subscribe('k', () => (starts++, up.it));
    const b = s.subscribe('k', () => (starts++, up.it));
    const c = s.subscribe('other', () => other.it);
    expect(starts).toBe(1);
    expect(s.upstreams).toBe(2);
    await tick();
    up.push(1);
    expect(await a.next()).toEqual({ value: { n: 1 }, done: false });
    expect(await b.next()).toEqual({ value: { n: 1 }, done: false });
    await a.return(undefined);
    expect(up.closed).toBe(false); // b still listens
    up.push(2);
    expect(await b.next()).toEqual({ value: { n: 2 }, done: false });
    await b.return(undefined);
    expect(up.closed).toBe(true);
    expect(other.closed).toBe(false); // a different key is a different stream
    expect(s.upstreams).toBe(1);
    // A later subscriber with the same key starts afresh.
    const again = upstream();
    const d = s.subscribe('k', () => again.it);
    await tick();
    again.push(3);
    expect(await d.next()).toEqual({ value: { n: 3 }, done: false });
    await d.return(undefined);
    await c.return(undefined);
    expect(s.upstreams).toBe(0);
  });

  it('cuts off only the consumer that falls a buffer behind, with SlowConsumerError', async () => {
    const s = new SharedSubscriptions<R>(2);
    const up = upstream();
    const slow = s.subscribe('k', () => up.it);
    const fast = s.subscribe('k', () => up.it);
    await tick();
    const got: number[] = [];
    for (let n = 0; n < 5; n++) {
      up.push(n);
      got.push(((await fast.next()).value as R).n);
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    await expect(slow.next()).rejects.toBeInstanceOf(SlowConsumerError);
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
    expect(up.closed).toBe(false); // the fast one still holds the stream open
    up.push(5);
    expect(await fast.next()).toEqual({ value: { n: 5 }, done: false });
    await fast.return(undefined);
    expect(up.closed).toBe(true);
  });

  it('gives a single (error) result to everyone who asked, then ends, and closes an upstream nobody waits for', async () => {
    const s = new SharedSubscriptions<R>(4);
    let release!: (r: R) => void;
    const started = new Promise<R>((r) => (release = r));
    const a = s.subscribe('k', () => started);
    const b = s.subscribe('k', () => started);
    release({ n: -1 });
    for (const it of [a, b]) {
      expect(await it.next()).toEqual({ value: { n: -1 }, done: false });
      expect(await it.next()).toEqual({ value: undefined, done: true });
    }
    expect(s.upstreams).toBe(0);

    // Everybody left before the upstream answered: it is closed the moment it does.
    const up = upstream();
    let go!: (v: AsyncGenerator<R>) => void;
    const c = s.subscribe('late', () => new Promise<AsyncGenerator<R>>((r) => (go = r)));
    await c.return(undefined);
    go(up.it);
    await tick();
    expect(up.closed).toBe(true);
  });

  it('writes each result, serialised once, to every sink and cuts off the sink that reports itself behind', async () => {
    const s = new SharedSubscriptions<R>(4);
    const up = upstream();
    const a: string[] = [];
    const b: string[] = [];
    let bFull = false;
    const stringify = jest.spyOn(JSON, 'stringify');
    const ia = s.subscribe('k', () => up.it, (j) => (a.push(j), true));
    const ib = s.subscribe('k', () => up.it, (j) => (bFull ? false : (b.push(j), true)));
    await tick();
    const before = stringify.mock.calls.length;
    up.push(1);
    await tick();
    expect(stringify.mock.calls.length - before).toBe(1);
    stringify.mockRestore();
    expect(a).toEqual(['{"n":1}']);
    expect(b).toEqual(['{"n":1}']);
    const bEnded = ib.next();
    bFull = true;
    up.push(2);
    await expect(bEnded).rejects.toBeInstanceOf(SlowConsumerError);
    expect(a).toEqual(['{"n":1}', '{"n":2}']);
    expect(b).toEqual(['{"n":1}']);
    // The stream ending ends the sink consumer's iterator.
    const aEnded = ia.next();
    up.end();
    await expect(aEnded).resolves.toEqual({ value: undefined, done: true });
    expect(s.upstreams).toBe(0);
  });

  it('passes an upstream failure to every consumer', async () => {
    const s = new SharedSubscriptions<R>(4);
    const boom = new Error('upstream gone');
    const failing: AsyncIterable<R> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(boom) }),
    };
    const a = s.subscribe('k', () => failing);
    const b = s.subscribe('k', () => failing);
    await expect(a.next()).rejects.toBe(boom);
    await expect(b.next()).rejects.toBe(boom);
    expect(s.upstreams).toBe(0);
  });
});
