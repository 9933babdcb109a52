import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { defaultLoopbackAddresses, isLoopbackV4, startPublisherFarm, type PublisherFarm } from '../src';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'item' });

async function items(url: string): Promise<Array<Record<string, string>>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(XMLValidator.validate(text)).toBe(true);
  return xml.parse(text).rss.channel.item;
}

let farm: PublisherFarm;
beforeAll(async () => {
  farm = await startPublisherFarm({ hosts: 3, feedsPerHost: 2, entriesPerFeed: 5 });
});
afterAll(async () => {
  await farm.close();
});

describe('publisher farm', () => {
  test('N hosts listen on distinct 127.0.0.x addresses and each serves its feeds', async () => {
    expect(farm.hosts).toHaveLength(3);
    expect(farm.hosts.map((h) => h.address)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(farm.feedUrls).toHaveLength(6);
    for (const h of farm.hosts) {
      expect(h.url).toBe(`http://${h.address}:${h.port}`);
      for (const u of h.feedUrls) {
        expect(u.startsWith(h.url)).toBe(true);
        const its = await items(u);
        expect(its).toHaveLength(5);
        expect(its[0]!.link!.startsWith(`${h.url}/articles/`)).toBe(true);
      }
    }
  });

  test('article pages are small but extractable; robots.txt is served', async () => {
    const e = farm.publishedEntries()[0]!;
    const res = await fetch(e.url);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html.length).toBeLessThan(6000);
    expect(html).toContain(`<link rel="canonical" href="${e.url}">`);
    expect(JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1]!).headline).toBe(e.title);
    expect((html.match(/<p>/g) ?? []).length).toBeGreaterThanOrEqual(3);
    const robots = await (await fetch(`${farm.hosts[2]!.url}/robots.txt`)).text();
    expect(robots).toContain('Disallow: /private/');
  });

  test('stats count requests per host and the max arrivals within 1 s', async () => {
    farm.resetStats();
    const [h0, h1] = farm.hosts;
    await Promise.all([1, 2, 3, 4].map(() => fetch(h0!.feedUrls[0]!).then((r) => r.arrayBuffer())));
    await (await fetch(`${h1!.url}/robots.txt`)).arrayBuffer();
    const s = farm.stats();
    expect(s.requests).toBe(5);
    expect(s.perHost.map((h) => h.requests)).toEqual([4, 1, 0]);
    expect(s.perHost[0]!.byKind.feed).toBe(4);
    expect(s.perHost[1]!.byKind.robots).toBe(1);
    expect(s.perHost[0]!.maxRatePerSec).toBe(4);
    expect(s.perHost[1]!.maxRatePerSec).toBe(1);
    expect(s.perHostMaxRatePerSec).toBe(4);
    expect(s.published).toBe(3 * 2 * 5);
  });

  test('publish() adds ground truth and the next poll sees it; 304 until then', async () => {
    const url = farm.hosts[1]!.feedUrls[1]!;
    const first = await fetch(url);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    expect((await fetch(url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const before = farm.publishedEntries().length;
    const e = farm.publish(1, 1);
    expect(e.feedUrl).toBe(url);
    expect(farm.publishedEntries()).toHaveLength(before + 1);
    expect(farm.publishedEntries().at(-1)!.url).toBe(e.url);
    expect(farm.stats().published).toBe(before + 1);
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(200);
    const doc = xml.parse(await again.text());
    expect(doc.rss.channel.item[0].link).toBe(e.url);
    expect(doc.rss.channel.item).toHaveLength(6);
    expect(new Set(farm.publishedEntries().map((x) => x.title)).size).toBe(farm.publishedEntries().length);
  });

  test('fault modes: 500, 429 with Retry-After, hang; cleared faults serve again', async () => {
    const h = farm.hosts[2]!;
    const url = h.feedUrls[0]!;
    farm.setFault(2, 'error500');
    const e500 = await fetch(url);
    expect(e500.status).toBe(500);
    await e500.arrayBuffer();

    farm.setFault(2, 'rateLimit429', { retryAfterSec: 7 });
    const e429 = await fetch(`${h.url}/robots.txt`);
    expect(e429.status).toBe(429);
    expect(e429.headers.get('retry-after')).toBe('7');
    await e429.arrayBuffer();

    farm.setFault(2, 'hang');
    await expect(fetch(url, { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);

    farm.setFault(2, null);
    expect((await fetch(url)).status).toBe(200);
    expect(farm.stats().perHost[2]!.faulted).toBe(3);
    // Other hosts were never affected.
    expect((await fetch(farm.hosts[0]!.feedUrls[0]!)).status).toBe(200);
  });

  test('publishEveryMs publishes round-robin on a timer, capped by maxEntries', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'performance', 'Date'] });
    let timed: PublisherFarm | undefined;
    try {
      timed = await startPublisherFarm({
        hosts: 1,
        feedsPerHost: 2,
        entriesPerFeed: 2,
        publishEveryMs: 10,
        maxEntries: 3,
        bindAddresses: ['127.0.0.9'],
      });
      expect(timed.stats().published).toBe(4);
      jest.advanceTimersByTime(25);
      expect(timed.stats().published).toBe(6);
      jest.advanceTimersByTime(1000);
      expect(timed.stats().published).toBe(7);
      expect(
        timed
          .publishedEntries()
          .slice(4)
          .map((e) => e.feedIndex),
      ).toEqual([0, 1, 0]);
    } finally {
      jest.useRealTimers();
      await timed?.close();
    }
  });

  test('only loopback addresses are accepted', async () => {
    expect(isLoopbackV4('127.0.0.5')).toBe(true);
    expect(isLoopbackV4('127.1.2.3')).toBe(true);
    expect(isLoopbackV4('10.0.0.1')).toBe(false);
    expect(isLoopbackV4('0.0.0.0')).toBe(false);
    expect(isLoopbackV4('127.0.0.256')).toBe(false);
    expect(defaultLoopbackAddresses(256).slice(252)).toEqual(['127.0.0.253', '127.0.0.254', '127.0.1.1', '127.0.1.2']);
    await expect(startPublisherFarm({ hosts: 1, feedsPerHost: 1, bindAddresses: ['0.0.0.0'] })).rejects.toThrow(/loopback/);
    await expect(startPublisherFarm({ hosts: 2, feedsPerHost: 1, bindAddresses: ['127.0.0.1'] })).rejects.toThrow(/bindAddresses/);
  });

  test('close() stops every listener, including held (hanging) requests', async () => {
    const f = await startPublisherFarm({ hosts: 2, feedsPerHost: 1, entriesPerFeed: 1, bindAddresses: ['127.0.0.11', '127.0.0.12'] });
    f.setFault(0, 'hang');
    const held = fetch(f.feedUrls[0]!).catch((e: unknown) => e);
    await expect(fetch(f.feedUrls[1]!).then((r) => r.status)).resolves.toBe(200);
    await f.close();
    expect(String(await held)).toMatch(/fetch failed|terminated|socket/i);
    await expect(fetch(f.feedUrls[1]!)).rejects.toThrow();
  });
});
