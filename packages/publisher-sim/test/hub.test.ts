import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoPublisher, startWebSubHub } from '../src';

interface Received {
  query: URLSearchParams;
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A subscriber callback: echoes the challenge when `echo` says so, records everything. */
async function subscriber(echo: (q: URLSearchParams) => string | undefined): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      got.push({ query, method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.method === 'GET') {
        const answer = echo(query);
        return void (answer === undefined ? res.writeHead(404).end() : res.writeHead(200).end(answer));
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, got, server };
}

const form = (hub: string, fields: Record<string, string>) =>
  fetch(hub, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

describe('WebSub hub', () => {
  it('verifies intent, then pushes signed fat pings to the demo publisher feed subscribers', async () => {
    const demo = await startDemoPublisher();
    const sub = await subscriber((q) => q.get('hub.challenge') ?? undefined);
    try {
      const topic = demo.sources[0]!.feeds[0]!.url;
      const feedRes = await fetch(topic);
      expect(feedRes.headers.get('link')).toBe(`<${demo.url}/hub>; rel="hub", <${topic}>; rel="self"`);
      expect(await feedRes.text()).toContain(`<atom:link href="${demo.url}/hub" rel="hub"/>`);
      const r = await form(`${demo.url}/hub`, {
        'hub.mode': 'subscribe',
        'hub.topic': topic,
        'hub.callback': sub.url,
        'hub.secret': 'k3y',
        'hub.lease_seconds': '600',
      });
      expect(r.status).toBe(202);
      await demo.hub!.idle();
      expect(sub.got[0]!.query.get('hub.lease_seconds')).toBe('600');
      expect(demo.hub!.subscriptions(topic)).toHaveLength(1);

      const entry = demo.publish(demo.sources[0]!.key);
      await demo.hub!.idle();
      const push = sub.got.find((g) => g.method === 'POST')!;
      expect(push.body.toString('utf8')).toContain(entry.title.replace(/&/g, '&amp;'));
      expect(push.headers['x-hub-signature']).toBe(`sha256=${createHmac('sha256', 'k3y').update(push.body).digest('hex')}`);
      expect(push.headers['content-type']).toMatch(/^application\/rss\+xml/);
    } finally {
      sub.server.close();
      await demo.close();
    }
  });

  it('keeps no subscription whose callback does not echo the challenge, and denies unknown topics', async () => {
    const hub = await startWebSubHub({
      fetchTopic: (t) =>
        t === 'http://pub.example/feed' ? { body: Buffer.from('<rss/>'), contentType: 'application/rss+xml' } : undefined,
    });
    const wrong = await subscriber(() => 'not-the-challenge');
    try {
      expect(
        (await form(hub.url, { 'hub.mode': 'subscribe', 'hub.topic': 'http://pub.example/feed', 'hub.callback': wrong.url })).status,
      ).toBe(202);
      expect(
        (await form(hub.url, { 'hub.mode': 'subscribe', 'hub.topic': 'http://pub.example/other', 'hub.callback': wrong.url })).status,
      ).toBe(202);
      await hub.idle();
      expect(hub.subscriptions()).toEqual([]);
      expect(hub.stats()).toMatchObject({ subscribeRequests: 2, verified: 0, verificationFailures: 1 });
      expect(wrong.got.map((g) => g.query.get('hub.mode'))).toEqual(expect.arrayContaining(['subscribe', 'denied']));
      expect((await form(hub.url, { 'hub.mode': 'subscribe', 'hub.topic': 'ftp://x', 'hub.callback': wrong.url })).status).toBe(400);
      expect((await fetch(hub.url)).status).toBe(405);
      expect(await hub.publish('http://pub.example/feed')).toEqual({ delivered: 0, failed: 0 });
    } finally {
      wrong.server.close();
      await hub.close();
    }
  });
});
