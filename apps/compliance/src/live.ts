import { TAKEDOWN_CHANNEL, decodeTakedownUpdate, type TakedownUpdate } from '@newsline/takedowns';
import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';

/**
 * Fans TAKEDOWN_CHANNEL out to this instance's `takedownUpdated` subscribers. Every instance
 * subscribes, so whichever serves the admin console sees changes made by any instance or worker.
 * Each subscriber's queue is bounded: a consumer falling `bufferSize` behind is closed.
 */
export class TakedownHub {
  private subs = new Set<(u: TakedownUpdate) => void>();
  private sub?: Redis;
  /** Emits `subscribed` when a subscriber is registered (tests await it instead of sleeping). */
  readonly events = new EventEmitter();

  constructor(
    private readonly redis: Redis,
    private readonly bufferSize = 256,
  ) {}

  async start(): Promise<void> {
    this.sub = this.redis.duplicate();
    this.sub.on('message', (_c: string, raw: string) => {
      const u = decodeTakedownUpdate(raw);
      if (u) for (const s of this.subs) s(u);
    });
    await this.sub.subscribe(TAKEDOWN_CHANNEL);
  }

  stop(): void {
    this.subs.clear();
    this.sub?.disconnect();
  }

  subscribe(requestId?: string | null): AsyncIterableIterator<TakedownUpdate> {
    const queue: TakedownUpdate[] = [];
    let waiting: ((r: IteratorResult<TakedownUpdate>) => void) | undefined;
    let done = false;
    const push = (u: TakedownUpdate) => {
      if (done || (requestId && u.requestId !== requestId)) return;
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ value: u, done: false });
      } else if (queue.length >= this.bufferSize) close();
      else queue.push(u);
    };
    const close = () => {
      done = true;
      this.subs.delete(push);
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
    };
    this.subs.add(push);
    this.events.emit('subscribed');
    const it: AsyncIterableIterator<TakedownUpdate> = {
      next: () => {
        const u = queue.shift();
        if (u) return Promise.resolve({ value: u, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        close();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}
