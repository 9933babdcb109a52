import { EVENTS_CHANNEL, encodeEvent, type ArticleEvent } from '@newsline/domain';
import { testServices } from '@newsline/embedded-stack';
import Redis from 'ioredis';
import { LiveHub, matchesFilter, SlowConsumerError } from '../src/live';

// dispatch() is what the Redis SUBSCRIBE handler calls: the hub is driven directly, no Redis needed.
const noRedis = {} as Redis;

let n = 0;
function added(over: Partial<Extract<ArticleEvent, { type: 'article.added' }>> = {}): string {
  const i = n++;
  return encodeEvent({
    type: 'article.added',
    articleId: i.toString(16).padStart(24, '0'),
    url: `https://x.example/${i}`,
    sourceUrl: `https://x.example/${i}`,
    sourceId: 'a'.repeat(24),
    title: `t${i}`,
    language: 'en',
    country: 'GB',
    publishedAt: new Date(0).toISOString(),
    at: new Date(0).toISOString(),
    ...over,
  });
}
const removed = () =>
  encodeEvent({ type: 'headline.removed', articleId: 'b'.repeat(24), url: 'https://x.example/r', at: new Date(0).toISOString() });

describe('LiveHub', () => {
  it('delivers only matching events of the subscribed kind, in order', async () => {
    const hub = new LiveHub(noRedis, 16);
    const it = hub.subscribe('added', { languages: ['ja'] });
    hub.dispatch(added({ title: 'en one' }));
    hub.dispatch(removed());
    hub.dispatch(added({ title: 'ja one', language: 'ja' }));
    hub.dispatch('not json');
    hub.dispatch(JSON.stringify({ type: 'article.added', title: 'missing fields' }));
    hub.dispatch(added({ title: 'ja two', language: 'ja' }));
    const a = await it.next();
    const b = await it.next();
    expect([a.value, b.value].map((e) => (e as { title: string }).title)).toEqual(['ja one', 'ja two']);
    expect(hub.delivered).toBe(2);
    await it.return!();
  });

  it('cuts a slow consumer off at the buffer bound with SlowConsumerError and forgets it', async () => {
    const hub = new LiveHub(noRedis, 3);
    const slow = hub.subscribe('added');
    const fast = hub.subscribe('added');
    const fastGot: string[] = [];
    const draining = (async () => {
      for await (const e of fast) {
        fastGot.push((e as { title: string }).title);
        if (fastGot.length === 10) break;
      }
    })();
    // Between events the fast consumer gets to run (as the event loop would between Redis messages).
    const tick = () => new Promise((r) => setImmediate(r));
    for (let i = 0; i < 3; i++) {
      hub.dispatch(added());
      await tick();
    }
    expect(hub.size).toBe(2); // three queued for the slow one: at the bound, not over it
    hub.dispatch(added()); // the fourth undelivered event overflows the slow one
    await tick();
    expect(hub.size).toBe(1);
    // The queued events are dropped with it: the consumer sees the error, then the end.
    await expect(slow.next()).rejects.toBeInstanceOf(SlowConsumerError);
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
    // Later events are neither delivered to nor buffered for the cut-off consumer.
    for (let i = 0; i < 6; i++) {
      hub.dispatch(added());
      await tick();
    }
    await expect(slow.next()).resolves.toMatchObject({ done: true });
    // A consumer that keeps up is never cut off, whatever the volume.
    await draining;
    expect(fastGot).toHaveLength(10);
    expect(hub.size).toBe(0); // `break` called return(), which unsubscribes
  });

  it('never cuts off a consumer that awaits each event, even far past the buffer size', async () => {
    const hub = new LiveHub(noRedis, 2);
    const it = hub.subscribe('added');
    for (let i = 0; i < 500; i++) {
      const p = it.next();
      hub.dispatch(added());
      await expect(p).resolves.toMatchObject({ done: false });
    }
    expect(hub.size).toBe(1);
    await it.return!();
    expect(hub.size).toBe(0);
  });

  it('ends a pending next() when the subscription is returned', async () => {
    const hub = new LiveHub(noRedis, 2);
    const it = hub.subscribe('removed');
    const p = it.next();
    await it.return!();
    await expect(p).resolves.toEqual({ value: undefined, done: true });
    hub.dispatch(removed());
    await expect(it.next()).resolves.toMatchObject({ done: true });
  });
});

describe('matchesFilter', () => {
  const e = JSON.parse(added({ language: 'ja', country: 'jp', sourceId: 'c'.repeat(24) })) as ArticleEvent;
  it('applies every given filter (countries case-insensitively) and ignores empty ones', () => {
    expect(matchesFilter(e, {})).toBe(true);
    expect(matchesFilter(e, { languages: [], countries: null })).toBe(true);
    expect(matchesFilter(e, { countries: ['JP'] })).toBe(true);
    expect(matchesFilter(e, { countries: ['GB'] })).toBe(false);
    expect(matchesFilter(e, { languages: ['ja'], sourceIds: ['c'.repeat(24)] })).toBe(true);
    expect(matchesFilter(e, { languages: ['ja'], sourceIds: ['d'.repeat(24)] })).toBe(false);
  });
});

describe('LiveHub on Redis', () => {
  it('ends live subscriptions with EVENTS_INTERRUPTED when its event connection drops, and serves new ones after', async () => {
    const redis = new Redis(testServices('articles_live').redisUrl);
    const hub = new LiveHub(redis, 16);
    await hub.start();
    try {
      const before = hub.subscribe('added');
      const pending = before.next();
      // The server drops the hub's subscriber connection (as a Redis restart would).
      const clients = String(await redis.client('LIST'));
      const line = clients.split('\n').find((l) => l.includes(`name=${hub.connectionName} `))!;
      await redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
      await expect(pending).rejects.toMatchObject({ extensions: { code: 'EVENTS_INTERRUPTED' } });
      expect(hub.size).toBe(0);
      expect(hub.interruptions).toBe(1);
      // Resubscribed after the reconnect: live again.
      const after = hub.subscribe('added');
      const next = after.next();
      const event = added({ title: 'after the gap' });
      // Published until the re-subscribed connection hears it (the reconnect is asynchronous).
      const timer = setInterval(() => void redis.publish(EVENTS_CHANNEL, event), 50);
      try {
        expect(((await next).value as { title: string }).title).toBe('after the gap');
      } finally {
        clearInterval(timer);
      }
      await after.return!();
    } finally {
      await hub.stop();
      redis.disconnect();
    }
  });
});
