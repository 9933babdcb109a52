import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Types } from 'mongoose';
import { createReader } from '../../apps/reader/src/app';
import { startStack, type Stack } from '../api/harness';
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
const ids = { en: new Types.ObjectId(), ja: new Types.ObjectId(), ru: new Types.ObjectId() };
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
  const source = await s.store.Source.create({ name: 'Harbour Times', key: 'harbour', homepage: `${originBase}/`, languages: ['en'], attribution: '© Harbour Times' });
  await s.store.Article.insertMany(
    (['en', 'ja', 'ru'] as const).map((l, i) => ({
      _id: ids[l],
      urlKey: `harbour.example/${l}`,
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
  const r = createReader({ store: s.store, sub, gatewayUrl: s.gatewayUrl });
  await r.ready;
  reader = createServer((req, res) => void r.handler(req, res));
  base = await listen(reader);
  browser = await launchChromium({ width: 1000, height: 800 });
}, 120_000);
afterAll(async () => {
  await browser?.close();
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
