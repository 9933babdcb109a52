import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { articleIdFor, decodeEvent, urlKey } from '@newsline/domain';
import { createLogger } from '@newsline/logger';
import Redis from 'ioredis';
import { Types } from 'mongoose';
import { createReader } from '../../apps/reader/src/app';
import { startTakedownWorker } from '../../apps/workers/src/takedown/queue';
import { gql, KEYS, startStack, type Stack } from '../api/harness';
import { launchChromium } from './chromium';

// The reader in headless Chromium over the real store, with the real gateway + compliance
// subgraph behind its removal form. Screenshots: /tmp/newsline-reader-{en,ja,ru}.png.
let s: Stack;
let sub: Redis;
let reader: Server;
let origin: Server;
let base: string;
let originBase: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
// Stored under the id derived from their URL, as ingestion stores them (URL takedowns look them up by it).
const ids = {} as Record<'en' | 'ja' | 'ru', Types.ObjectId>;
let takedowns: ReturnType<typeof startTakedownWorker>;
let workerConn: Redis;
let requestId = '';
const TITLES = { en: 'Harbour bridge reopens after repairs', ja: '東京湾の橋、修理を終えて再開通', ru: 'Мост через залив снова открыт после ремонта' };
const BODIES = { en: 'Traffic resumed on Monday morning.', ja: '月曜日の朝に通行が再開された。', ru: 'Движение возобновилось в понедельник утром.' };

const listen = async (srv: Server) => {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  s = await startStack('readerui');
  // The publisher's site: the page "Read original article here" must reach.
  origin = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<title>Original ${req.url}</title><h1>The original</h1>`));
  originBase = await listen(origin);
  for (const l of ['en', 'ja', 'ru'] as const) ids[l] = new Types.ObjectId(articleIdFor(urlKey(`${originBase}/${l}/bridge`)));
  const source = await s.store.Source.create({ name: 'Harbour Times', key: 'harbour', homepage: `${originBase}/`, languages: ['en'], attribution: '© Harbour Times' });
  await s.store.Article.insertMany(
    (['en', 'ja', 'ru'] as const).map((l, i) => ({
      _id: ids[l],
      urlKey: urlKey(`${originBase}/${l}/bridge`),
      url: `${originBase}/${l}/bridge`,
      sourceUrl: `${originBase}/${l}/bridge`,
      attribution: '© Harbour Times',
      sourceId: source._id,
      title: TITLES[l],
      language: l,
      publishedAt: new Date(Date.now() - i * 60_000),
      body: `<p>${BODIES[l]}</p>`,
      extraction: { status: 'ok' },
    })),
  );
  sub = s.redis.duplicate();
  // The enforcement worker the compliance subgraph's approvals feed.
  workerConn = s.redis.duplicate({ maxRetriesPerRequest: null });
  takedowns = startTakedownWorker({ store: s.store, redis: s.redis, log: createLogger('reader-ui', { level: 'silent' }) }, workerConn);
  const r = createReader({ store: s.store, sub, gatewayUrl: s.gatewayUrl });
  await r.ready;
  reader = createServer((req, res) => void r.handler(req, res));
  base = await listen(reader);
  browser = await launchChromium({ width: 1000, height: 800 });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await takedowns?.close();
  workerConn?.disconnect();
  reader?.close();
  origin?.close();
  sub?.disconnect();
  await s?.stop();
});

test('open an article from the home page, follow the source link, request removal', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: TITLES.en }).click();
  await page.waitForURL(`${base}/a/${String(ids.en)}`);
  expect(await page.locator('h1').textContent()).toBe(TITLES.en);
  await page.getByRole('link', { name: 'Read original article here' }).click();
  await page.waitForURL(`${originBase}/en/bridge`);
  expect(await page.locator('h1').textContent()).toBe('The original');
  await page.goBack();
  await page.getByRole('link', { name: 'have it removed' }).click();
  expect(await page.locator('input[name=url]').inputValue()).toBe(`${originBase}/en/bridge`);
  await page.fill('input[name=name]', 'Ann Owner');
  await page.fill('input[name=email]', 'ann@harbour.example');
  await page.selectOption('select[name=relation]', 'PUBLISHER');
  await page.fill('textarea[name=statement]', 'We own this article and do not allow its republication.');
  await page.getByRole('button', { name: 'Send request' }).click();
  await page.waitForURL(/\/removal\/[0-9a-f]{24}$/);
  requestId = page.url().split('/').pop()!;
  // An anonymous request does nothing until the address is proven from the mailed link.
  expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('unconfirmed');
  expect(await page.locator('body').textContent()).toContain('Nothing is removed until you follow it');
  await page.close();
});

test.each(['en', 'ja', 'ru'] as const)('the %s article page renders in its language (screenshot)', async (l) => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/a/${String(ids[l])}`);
  expect(await page.locator('html').getAttribute('lang')).toBe(l);
  expect(await page.locator('.body').textContent()).toContain(BODIES[l]);
  await page.screenshot({ path: `/tmp/newsline-reader-${l}.png` });
  await page.close();
});

test('once an admin approves the request, the article page answers 410 Gone', async () => {
  expect(requestId).toMatch(/^[0-9a-f]{24}$/);
  // On the reader's own subscriber: listeners run in order, so the reader has purged when this runs.
  const removed = new Promise<void>((resolve) =>
    sub.on('message', (_c: string, m: string) => {
      const e = decodeEvent(m);
      if (e?.type === 'headline.removed' && e.articleId === String(ids.en)) resolve();
    }),
  );
  const approved = await gql<{ approveTakedown: { status: string } }>(
    s.gatewayUrl,
    'mutation($id: ID!) { approveTakedown(id: $id) { status } }',
    { id: requestId },
    { 'x-api-key': KEYS.admin },
  );
  expect(approved.errors).toBeUndefined();
  await removed;
  const page = await browser.context.newPage();
  // This browser saw the page a minute ago (max-age=60 allows it to reuse that copy): a reload asks the server.
  await page.goto(`${base}/a/${String(ids.en)}`);
  const res = await page.reload();
  expect(res!.status()).toBe(410);
  expect(await page.locator('h1').textContent()).toBe('This article has been removed');
  expect(await page.content()).not.toContain(BODIES.en);
  await page.goto(`${base}/`);
  await page.reload();
  expect(await page.getByRole('link', { name: TITLES.en }).count()).toBe(0);
  await page.close();
}, 60_000);
