// `npm run bench -- reader [--pages 1200] [--json]`: the reader on a real HTTP server over the
// real store. Every distinct article page is requested once (its first render counts, cache
// cold), then again (served from the LRU, reported apart). Ends with one JSON line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureStack } from '@newsline/embedded-stack';
import { parseFeed } from '@newsline/feeds';
import { XMLValidator } from 'fast-xml-parser';
import { createStore } from '@newsline/store';
import Redis from 'ioredis';
import { Types } from 'mongoose';
import { createReader } from '../src/app';

const LANGS = ['en', 'ja', 'ru', 'es', 'ar', 'zh', 'de', 'fr'];
const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

export async function runReaderBench(argv: string[]): Promise<number> {
  const n = Number(argv[argv.indexOf('--pages') + 1] ?? 1200) || 1200;
  const json = argv.includes('--json');
  // Like the other benches: reuses a running stack, or starts the embedded one and stops it after.
  const stack = await ensureStack({ log: json ? () => {} : undefined });
  const db = new URL(stack.mongoUrl);
  db.pathname = `/readerbench_${Date.now().toString(36)}`;
  const s = { mongoUrl: db.toString(), redisUrl: stack.redisUrl };
  const store = await createStore(s.mongoUrl);
  await store.ensureIndexes();
  const sub = new Redis(s.redisUrl);
  const sources = Array.from({ length: 20 }, (_, i) => ({ _id: new Types.ObjectId(), name: `Outlet ${i}`, key: `outlet-${i}`, homepage: `https://o${i}.example/`, languages: ['en'], attribution: `© Outlet ${i}` }));
  await store.Source.insertMany(sources);
  const para = '<p>' + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6) + '</p>';
  const now = Date.now();
  const docs = Array.from({ length: n }, (_, i) => {
    const src = sources[i % sources.length]!;
    const url = `https://o${i % sources.length}.example/a/${i}`;
    return {
      _id: new Types.ObjectId(),
      urlKey: url.slice(8),
      url,
      sourceUrl: url,
      attribution: src.attribution,
      sourceId: src._id,
      title: `Headline number ${i}`,
      language: LANGS[i % LANGS.length],
      publishedAt: new Date(now - i * 60_000),
      body: para.repeat(8), // ~2.7 KB, like the archive bench
      summary: 'Summary.',
      storyId: `story-${i % 300}`,
      extraction: { status: 'ok' },
    };
  });
  for (let i = 0; i < docs.length; i += 500) await store.Article.insertMany(docs.slice(i, i + 500));
  const reader = createReader({ store, sub, gatewayUrl: 'http://127.0.0.1:9' });
  await reader.ready;
  const server = createServer((req, res) => void reader.handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const cold: number[] = [];
  const warm: number[] = [];
  let withSourceLink = 0;
  let withRemovalLink = 0;
  let ok = 0;
  for (const d of docs) {
    const t = performance.now();
    const r = await fetch(`${base}/a/${String(d._id)}`);
    const h = await r.text();
    cold.push(performance.now() - t);
    if (r.status === 200) ok++;
    if (h.includes(`href="${d.sourceUrl}" rel="noopener">Read original article here</a>`)) withSourceLink++;
    if (h.includes(`href="/removal?url=${encodeURIComponent(d.sourceUrl)}"`)) withRemovalLink++;
  }
  for (const d of docs) {
    const t = performance.now();
    await (await fetch(`${base}/a/${String(d._id)}`)).text();
    warm.push(performance.now() - t);
  }
  const listings: number[] = [];
  for (const path of ['/', ...LANGS.map((l) => `/lang/${l}`), ...sources.map((x) => `/source/${String(x._id)}`)]) {
    const t = performance.now();
    await (await fetch(`${base}${path}`)).text();
    listings.push(performance.now() - t);
  }
  // Feeds: home and per language, each format; valid = well-formed (XMLValidator / JSON) and read back by packages/feeds with entries.
  let feeds = 0;
  let feedsValid = 0;
  const feedMs: number[] = [];
  for (const path of ['', ...LANGS.map((l) => `/lang/${l}`)])
    for (const kind of ['rss', 'atom', 'json']) {
      const url = `${base}${path}/feed.${kind}`;
      const t = performance.now();
      const r = await fetch(url);
      const text = await r.text();
      feedMs.push(performance.now() - t);
      feeds++;
      let wellFormed = false;
      try {
        wellFormed = kind === 'json' ? JSON.parse(text).version === 'https://jsonfeed.org/version/1.1' : XMLValidator.validate(text) === true;
      } catch {
        wellFormed = false;
      }
      const parsed = parseFeed(new TextEncoder().encode(text), { url, contentType: r.headers.get('content-type') ?? undefined });
      if (r.status === 200 && wellFormed && parsed.ok && parsed.feed.format === kind && parsed.feed.entries.length > 0) feedsValid++;
    }
  server.close();
  sub.disconnect();
  await store.conn.dropDatabase();
  await store.close();
  await stack.stop();
  const out = {
    pages: docs.length,
    ok,
    p50Ms: +p(cold, 0.5).toFixed(2),
    p99Ms: +p(cold, 0.99).toFixed(2),
    cachedP99Ms: +p(warm, 0.99).toFixed(2),
    listingsP99Ms: +p(listings, 0.99).toFixed(2),
    withSourceLink,
    withRemovalLink,
    feeds,
    feedsValid,
    feedsP99Ms: +p(feedMs, 0.99).toFixed(2),
  };
  if (!json) console.log(`reader: ${out.pages} pages, p99 ${out.p99Ms} ms cold, ${out.cachedP99Ms} ms cached`);
  console.log(JSON.stringify(out));
  return out.p99Ms <= 50 && withSourceLink === docs.length && withRemovalLink === docs.length && feedsValid === feeds ? 0 : 1;
}
