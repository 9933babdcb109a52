import { EVENTS_CHANNEL, decodeEvent, type ArticleEvent } from '@newsline/domain';
import { EventEmitter } from 'node:events';
import { GraphQLError } from 'graphql';
import type Redis from 'ioredis';

export interface LiveFilter {
  sourceIds?: string[] | null;
  languages?: string[] | null;
  countries?: string[] | null;
}

type Kind = 'added' | 'removed';

let hubs = 0;

interface Subscriber {
  kind: Kind;
  filter: LiveFilter;
  push(e: ArticleEvent): void;
  /** Ends the subscription with `err` once the events already queued are delivered. */
  fail(err: Error): void;
}

export class SlowConsumerError extends Error {
  constructor(limit: number) {
    super(`subscription closed: more than ${limit} undelivered events (slow consumer)`);
  }
}

/**
 * The event feed was interrupted (the Redis connection dropped and came back): events published
 * meanwhile never reached this process. Every live subscription ends with this error, so clients
 * subscribe again and catch up with a `headlines` query from the last headline they saw, instead
 * of silently missing what was published during the gap.
 */
export class EventsInterruptedError extends GraphQLError {
  constructor() {
    super('live events were interrupted: subscribe again and catch up with headlines since the last one received', {
      extensions: { code: 'EVENTS_INTERRUPTED' },
    });
  }
}

export function matchesFilter(e: ArticleEvent, f: LiveFilter): boolean {
  if (e.type === 'headline.removed') return true;
  if (f.sourceIds?.length && !f.sourceIds.includes(e.sourceId)) return false;
  if (f.languages?.length && !(e.language && f.languages.includes(e.language))) return false;
  if (f.countries?.length && !(e.country && f.countries.includes(e.country.toUpperCase()))) return false;
  return true;
}

/**
 * One Redis SUBSCRIBE connection per process fans EVENTS_CHANNEL out to every live
 * subscription of this instance; any number of instances can run, each gets every event.
 * Each subscriber has a bounded queue: a consumer that falls `bufferSize` events behind is
 * cut off with an error, so memory stays bounded whatever the client does.
 */
export class LiveHub {
  private subs = new Set<Subscriber>();
  private sub?: Redis;
  delivered = 0;
  interruptions = 0;
  /** Emits `size` (the new count) when a subscription starts or ends: tests await it instead of sleeping. */
  readonly events = new EventEmitter();

  constructor(
    private readonly redis: Redis,
    private readonly bufferSize: number,
  ) {}

  async start(): Promise<void> {
    this.sub = this.redis.duplicate({ connectionName: `newsline-live-${process.pid}-${++hubs}` });
    let connected = false;
    // ioredis reconnects and re-subscribes by itself; a second 'ready' means a gap in the events.
    this.sub.on('ready', () => {
      if (connected) this.interrupt();
      connected = true;
    });
    this.sub.on('error', () => undefined);
    this.sub.on('message', (_ch: string, raw: string) => this.dispatch(raw));
    await this.sub.subscribe(EVENTS_CHANNEL);
  }

  /** The Redis connection name of the event subscription (tests drop it with CLIENT KILL). */
  get connectionName(): string | undefined {
    return this.sub?.options.connectionName;
  }

  /** Ends every live subscription with EventsInterruptedError (clients resubscribe and catch up). */
  interrupt(): void {
    this.interruptions++;
    for (const s of [...this.subs]) s.fail(new EventsInterruptedError());
  }

  dispatch(raw: string): void {
    const e = decodeEvent(raw);
    if (!e) return;
    const kind: Kind | undefined = e.type === 'article.added' ? 'added' : e.type === 'headline.removed' ? 'removed' : undefined;
    if (!kind) return;
    for (const s of this.subs) if (s.kind === kind && matchesFilter(e, s.filter)) s.push(e);
  }

  get size(): number {
    return this.subs.size;
  }

  subscribe(kind: Kind, filter: LiveFilter = {}): AsyncIterableIterator<ArticleEvent> {
    const queue: ArticleEvent[] = [];
    let waiting: ((r: IteratorResult<ArticleEvent>) => void) | undefined;
    let failed: ((e: Error) => void) | undefined;
    let error: Error | undefined;
    let done = false;
    const close = () => {
      done = true;
      if (this.subs.delete(sub)) this.events.emit('size', this.subs.size);
    };
    const sub: Subscriber = {
      kind,
      filter,
      push: (e) => {
        if (done) return;
        if (waiting) {
          const w = waiting;
          waiting = failed = undefined;
          this.delivered++;
          w({ value: e, done: false });
          return;
        }
        if (queue.length >= this.bufferSize) {
          error = new SlowConsumerError(this.bufferSize);
          queue.length = 0;
          close();
          return;
        }
        queue.push(e);
      },
      fail: (err) => {
        if (done) return;
        close();
        if (waiting) {
          const f = failed!;
          waiting = failed = undefined;
          f(err);
        } else error = err;
      },
    };
    this.subs.add(sub);
    this.events.emit('size', this.subs.size);
    const it: AsyncIterableIterator<ArticleEvent> = {
      next: () => {
        const e = queue.shift();
        if (e) {
          this.delivered++;
          return Promise.resolve({ value: e, done: false });
        }
        if (error) {
          const err = error;
          error = undefined;
          return Promise.reject(err);
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiting = resolve;
          failed = reject;
        });
      },
      return: () => {
        close();
        waiting?.({ value: undefined, done: true });
        waiting = failed = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
      throw: (err?: unknown) => {
        close();
        failed?.(err instanceof Error ? err : new Error(String(err)));
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  async stop(): Promise<void> {
    for (const s of this.subs) this.subs.delete(s);
    if (this.sub) {
      await this.sub.quit().catch(() => undefined);
    }
  }
}
