import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoPublisher, type DemoPublisher } from '@newsline/publisher-sim';
import { fetchFeed } from '../src/ingest/fetch-feed';
import { createWebSubCallback } from '../src/websub/callback';
import { checkHubSignature } from '../src/websub/signature';
import { startWebSubRenewal } from '../src/websub/subscribe';
import { addFeed, harness, rss, type Harness } from './harness';

let h: Harness;
let demo: DemoPublisher;
let callbackServer: Server;
let callbackBase: string;
let callback: ReturnType<typeof createWebSubCallback>;

beforeAll(async () => {
  // The callback server's address must be known before the config that names it.
  callbackServer = createServer((req, res) => {
    if (!callback.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => callbackServer.listen(0, '127.0.0.1', r));
  callbackBase = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}`;
  h = await harness({ WEBSUB_CALLBACK_URL: callbackBase, WEBSUB_LEASE_SEC: '120', WEBSUB_POLL_INTERVAL_SEC: '1800' });
  callback = createWebSubCallback(h.ctx);
  demo = await startDemoPublisher();
});

afterAll(async () => {
  await demo.close();
  callbackServer.closeAllConnections();
  await new Promise((r) => callbackServer.close(r));
  await h.close();
});

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/rss+xml', ...headers } });

describe('checkHubSignature', () => {
  const body = Buffer.from('<rss/>');
  it.each(['sha1', 'sha256', 'sha512'])('accepts %s and refuses a wrong secret, a missing header and garbage', (algo) => {
    const sig = `${algo}=${createHmac(algo, 's3cret').update(body).digest('hex')}`;
    expect(checkHubSignature(sig, 's3cret', body)).toBe('valid');
    expect(checkHubSignature(sig, 'other', body)).toBe('invalid');
    expect(checkHubSignature(sig, 's3cret', Buffer.from('<rss>tampered</rss>'))).toBe('invalid');
  });
  it('refuses absent, unknown-method and malformed headers', () => {
    expect(checkHubSignature(undefined, 's', body)).toBe('missing');
    expect(checkHubSignature(`md5=${createHmac('md5', 's').update(body).digest('hex')}`, 's', body)).toBe('invalid');
    expect(checkHubSignature('sha256=zz', 's', body)).toBe('invalid');
  });
});

describe('WebSub subscriber', () => {
  let feedId: string;
  let feedUrl: string;

  it('subscribes to the hub a polled feed advertises, and the hub verifies intent', async () => {
    feedUrl = demo.sources.find((s) => s.key === 'harbor-ledger')!.feeds[0]!.url;
    ({ feedId } = await addFeed(h.store, feedUrl));
    const first = await fetchFeed(h.ctx, feedId);
    expect(first).toMatchObject({ kind: 'ok', created: 12 });
    await demo.hub!.idle();
    const feed = await h.store.Feed.findById(feedId).lean();
    expect(feed!.websub).toMatchObject({ hub: `${demo.url}/hub`, topic: feedUrl, state: 'subscribed', leaseSeconds: 120 });
    expect(feed!.websub!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 100_000);
    expect(demo.hub!.subscriptions(feedUrl)).toHaveLength(1);
    expect(callback.counters.verified).toBe(1);

    // With a live subscription, polling becomes the slow safety net.
    const again = await fetchFeed(h.ctx, feedId);
    expect(again.kind === 'ok' || again.kind === 'not-modified').toBe(true);
    const polled = await h.store.Feed.findById(feedId).lean();
    if (again.kind === 'ok') expect(polled!.nextPollAt!.getTime()).toBeGreaterThan(Date.now() + 1700_000);
  });

  it('stores a pushed entry at once, announced and queued for extraction like a polled one', async () => {
    const entry = demo.publish('harbor-ledger');
    expect(entry.feedUrl).toBe(feedUrl);
    const event = await h.nextEvent((e) => e.type === 'article.added' && e.url === entry.url);
    expect(event).toMatchObject({ title: entry.title });
    expect(h.extractJobs.some((j) => j.url === entry.url)).toBe(true);
    await demo.hub!.idle(); // the delivery is answered once its counters are written
    const feed = await h.store.Feed.findById(feedId).lean();
    expect(feed!.websub!.pushes).toBeGreaterThanOrEqual(1);
    // The next poll recognises it: no second article.
    const polled = await fetchFeed(h.ctx, feedId);
    expect(polled.kind === 'not-modified' || (polled.kind === 'ok' && polled.created === 0)).toBe(true);
  });

  it('drops and counts unsigned, wrongly signed and wrong-token pushes; nothing of them is stored', async () => {
    const feed = (await h.store.Feed.findById(feedId).lean())!;
    const w = feed.websub!;
    const forgedUrl = `${demo.url}/harbor-ledger/news/forged-${Date.now()}.html`;
    const body = rss([{ title: 'Forged headline', link: forgedUrl, guid: `forged-${Date.now()}` }]);
    const good = `sha256=${createHmac('sha256', w.secret!).update(body).digest('hex')}`;
    const path = `${callbackBase}/websub/${feedId}`;
    const answers = [
      await post(`${path}/${w.callbackToken}`, body),
      await post(`${path}/${w.callbackToken}`, body, {
        'x-hub-signature': `sha256=${createHmac('sha256', 'guess').update(body).digest('hex')}`,
      }),
      await post(`${path}/${w.callbackToken}`, body, { 'x-hub-signature': good.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
      await post(`${path}/not-the-token`, body, { 'x-hub-signature': good }),
    ];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const after = (await h.store.Feed.findById(feedId).lean())!;
    expect(after.websub!.rejectedPushes).toBe(4);
    expect(callback.counters.rejected).toBe(4);
    expect(await h.store.Article.exists({ url: forgedUrl })).toBeNull();
    expect(h.events.some((e) => e.url === forgedUrl)).toBe(false);

    // The same body, signed with the subscription's secret, is stored.
    const signed = await post(`${path}/${w.callbackToken}`, body, { 'x-hub-signature': good });
    expect(signed.status).toBe(204);
    await h.nextEvent((e) => e.type === 'article.added' && e.url === forgedUrl);
  });

  it('answers verification only for the topic and mode it asked for', async () => {
    const w = (await h.store.Feed.findById(feedId).lean())!.websub!;
    const q = (params: Record<string, string>, token = w.callbackToken!) =>
      fetch(`${callbackBase}/websub/${feedId}/${token}?${new URLSearchParams(params)}`);
    expect((await q({ 'hub.mode': 'subscribe', 'hub.topic': 'http://evil.example/feed', 'hub.challenge': 'x' })).status).toBe(404);
    expect((await q({ 'hub.mode': 'unsubscribe', 'hub.topic': feedUrl, 'hub.challenge': 'x' })).status).toBe(404);
    expect((await q({ 'hub.mode': 'subscribe', 'hub.topic': feedUrl, 'hub.challenge': 'x' }, 'wrong')).status).toBe(404);
    expect((await fetch(`${callbackBase}/websub/not-an-id/x`)).status).toBe(404);
    const ok = await q({ 'hub.mode': 'subscribe', 'hub.topic': feedUrl, 'hub.challenge': 'c-123', 'hub.lease_seconds': '120' });
    expect([ok.status, await ok.text()]).toEqual([200, 'c-123']);
  });

  it('refuses a push larger than the limit and answers 410 for a feed that no longer exists', async () => {
    const big = await post(`${callbackBase}/websub/${feedId}/x`, 'x'.repeat(h.config.WEBSUB_MAX_PUSH_BYTES + 1));
    expect(big.status).toBe(413);
    const gone = await post(`${callbackBase}/websub/${'0'.repeat(24)}/x`, '<rss/>');
    expect(gone.status).toBe(410);
  });

  it('renews a lease before it expires', async () => {
    const before = (await h.store.Feed.findById(feedId).lean())!.websub!;
    // Five seconds left of a 120 s lease: inside the renewal window (a tenth of the lease).
    await h.store.Feed.updateOne({ _id: feedId }, { $set: { 'websub.expiresAt': new Date(Date.now() + 5000) } });
    const renewal = startWebSubRenewal(h.ctx, { everyMs: 3_600_000, lockKey: `test:websub-renew:${Date.now()}` });
    try {
      expect(await renewal.tick()).toBe(1);
    } finally {
      renewal.stop();
    }
    await demo.hub!.idle();
    const after = (await h.store.Feed.findById(feedId).lean())!.websub!;
    expect(after.state).toBe('subscribed');
    expect(after.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 100_000);
    // A renewal keeps the secret and callback, so pushes in flight still verify.
    expect([after.secret, after.callbackToken]).toEqual([before.secret, before.callbackToken]);
  });

  it('records a hub that denies the subscription and keeps polling', async () => {
    // A feed that names the demo hub but a topic the hub does not serve.
    const topic = `${demo.url}/not-a-demo-feed.xml`;
    const srv = createServer(
      (_req, res) =>
        void res
          .writeHead(200, { 'content-type': 'application/rss+xml', link: `<${demo.url}/hub>; rel="hub", <${topic}>; rel="self"` })
          .end(rss([{ title: 'Local', link: 'http://127.0.0.1:9/local-1', guid: 'l1' }])),
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const { feedId: id } = await addFeed(h.store, `http://127.0.0.1:${(srv.address() as AddressInfo).port}/feed.xml`);
      expect(await fetchFeed(h.ctx, id)).toMatchObject({ kind: 'ok' });
      await demo.hub!.idle();
      const w = (await h.store.Feed.findById(id).lean())!.websub!;
      expect(w).toMatchObject({ state: 'denied', topic, lastError: 'hub denied: unknown topic' });
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
