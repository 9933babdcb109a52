import { GraphQLError, getOperationAST, parse } from 'graphql';

/** A downstream consumer fell `limit` results behind its shared stream: it alone is cut off. */
export class SlowConsumerError extends GraphQLError {
  constructor(limit: number) {
    super(`subscription closed: more than ${limit} undelivered results (slow consumer)`, { extensions: { code: 'SLOW_CONSUMER' } });
  }
}

/**
 * Writes one result, already serialised once for every consumer, straight to a client; returns
 * false when the client is too far behind (its socket holds too many unsent bytes).
 */
export type Sink = (json: string) => boolean;

interface Consumer<R> {
  push(r: R, json: () => string): void;
  end(err?: unknown): void;
}

interface Stream<R> {
  consumers: Set<Consumer<R>>;
  upstream?: AsyncIterator<R>;
  /** Every consumer left before the upstream answered: close it as soon as it does. */
  abandoned: boolean;
}

type MaybePromise<T> = T | Promise<T>;

/** The result's JSON, computed at most once however many consumers ask. */
function once(r: object): () => string {
  let json: string | undefined;
  return () => (json ??= JSON.stringify(r));
}

/**
 * Identical subscriptions (same principal, document, operation name, variables, extensions) share
 * one upstream execution: its results fan out to every consumer, each with its own bounded queue,
 * so the subgraph runs, and the gateway plans and parses, once per distinct subscription instead of
 * once per client. The key holds the whole principal, so nobody ever receives a result computed
 * for somebody else. The upstream is closed when its last consumer leaves.
 */
export class SharedSubscriptions<R extends object> {
  private streams = new Map<string, Stream<R>>();
  private kinds = new Map<string, boolean>();

  constructor(private readonly bufferSize: number) {}

  /** Distinct upstream executions open now. */
  get upstreams(): number {
    return this.streams.size;
  }

  /**
   * The sharing key, or undefined when the operation must not be shared: not a subscription
   * (a query with @defer must not be replayed to a late joiner), unparsable, or no document text
   * (persisted-query hash only: left to the runtime).
   */
  keyFor(principal: string, params: { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown }): string | undefined {
    if (typeof params.query !== 'string') return undefined;
    if (!this.isSubscription(params.query, params.operationName)) return undefined;
    return JSON.stringify([principal, params.query, params.operationName ?? null, params.variables ?? null, params.extensions ?? null]);
  }

  private isSubscription(query: string, operationName: unknown): boolean {
    const k = `${typeof operationName === 'string' ? operationName : ''}\n${query}`;
    let v = this.kinds.get(k);
    if (v === undefined) {
      try {
        v = getOperationAST(parse(query), typeof operationName === 'string' ? operationName : undefined)?.operation === 'subscription';
      } catch {
        v = false;
      }
      // Bounded: distinct documents are few in practice, but clients choose them.
      if (this.kinds.size >= 1000) this.kinds.clear();
      this.kinds.set(k, v);
    }
    return v;
  }

  /** Joins the stream for `key`, starting it with `start()` when there is none. */
  /**
   * With a `sink`, results bypass the returned iterator (which then only ends, or fails with the
   * stream or with SlowConsumerError): one JSON.stringify per result instead of one per client.
   */
  subscribe(key: string, start: () => MaybePromise<AsyncIterable<R> | R>, sink?: Sink): AsyncGenerator<R, undefined> {
    let stream = this.streams.get(key);
    if (!stream) {
      const s: Stream<R> = { consumers: new Set(), abandoned: false };
      stream = s;
      this.streams.set(key, s);
      void this.pump(key, s, start);
    }
    return this.consumer(key, stream, sink);
  }

  private async pump(key: string, s: Stream<R>, start: () => MaybePromise<AsyncIterable<R> | R>): Promise<void> {
    const finish = (err?: unknown) => {
      if (this.streams.get(key) === s) this.streams.delete(key);
      for (const c of s.consumers) c.end(err);
      s.consumers.clear();
    };
    try {
      const res = await start();
      if (!(Symbol.asyncIterator in res)) {
        // A single result (an error before any stream existed): everyone who asked gets it.
        const json = once(res);
        for (const c of s.consumers) c.push(res, json);
        return finish();
      }
      const it = (res as AsyncIterable<R>)[Symbol.asyncIterator]();
      s.upstream = it;
      if (s.abandoned) return void (await it.return?.());
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        const json = once(r.value);
        for (const c of s.consumers) c.push(r.value, json);
      }
      finish();
    } catch (err) {
      finish(err);
    }
  }

  private consumer(key: string, s: Stream<R>, sink?: Sink): AsyncGenerator<R, undefined> {
    const queue: R[] = [];
    let waiting: { resolve: (r: IteratorResult<R, undefined>) => void; reject: (e: unknown) => void } | undefined;
    let error: unknown;
    let done = false;
    const leave = () => {
      done = true;
      queue.length = 0;
      s.consumers.delete(c);
      if (s.consumers.size === 0 && this.streams.get(key) === s) {
        this.streams.delete(key);
        s.abandoned = true;
        void s.upstream?.return?.()?.catch(() => undefined);
      }
    };
    const c: Consumer<R> = {
      push: (r, json) => {
        if (done) return;
        if (sink) {
          if (sink(json())) return;
          leave();
          error = new SlowConsumerError(this.bufferSize);
          const w = waiting;
          waiting = undefined;
          if (w) {
            error = undefined;
            w.reject(new SlowConsumerError(this.bufferSize));
          }
          return;
        }
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          return w.resolve({ value: r, done: false });
        }
        if (queue.length >= this.bufferSize) {
          leave();
          error = new SlowConsumerError(this.bufferSize);
          return;
        }
        queue.push(r);
      },
      end: (err) => {
        if (done) return;
        done = true;
        error = err;
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          if (err !== undefined && !queue.length) {
            error = undefined;
            w.reject(err);
          } else w.resolve(queue.length ? { value: queue.shift()!, done: false } : { value: undefined, done: true });
        }
      },
    };
    s.consumers.add(c);
    const gen: AsyncGenerator<R, undefined> = {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (error !== undefined) {
          const e = error;
          error = undefined;
          return Promise.reject(e);
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (waiting = { resolve, reject }));
      },
      return: () => {
        if (!done) leave();
        error = undefined;
        const w = waiting;
        waiting = undefined;
        w?.resolve({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
      throw: (e?: unknown) => {
        if (!done) leave();
        const w = waiting;
        waiting = undefined;
        w?.resolve({ value: undefined, done: true });
        return Promise.reject(e);
      },
      [Symbol.asyncIterator]() {
        return gen;
      },
    } as AsyncGenerator<R, undefined>;
    return gen;
  }
}
