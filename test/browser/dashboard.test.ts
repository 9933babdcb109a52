import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import type { Page } from 'playwright-core';
import { freePort, gql, KEYS, startStack, type Stack } from '../api/harness';
import { startIngestion } from '../operator/workers';
import { launchChromium } from './chromium';

// The dashboard in headless Chromium against the real stack: demo publisher → BullMQ workers →
// FerretDB → subgraphs → gateway → dashboard server (static build + /graphql proxy) → page.
const root = join(__dirname, '../..');
let s: Stack;
let ingestion: Awaited<ReturnType<typeof startIngestion>>;
let dashboard: ChildProcess;
let dashOut = '';
let dashUrl: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: join(root, 'apps/dashboard'),
    stdio: 'pipe',
    // jest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  s = await startStack('browser', { HTTP_ALLOW_HOSTS: '127.0.0.1', TAKEDOWN_SUBMIT_RATE_PER_HOUR: '10000' });
  ingestion = await startIngestion(s);
  const port = await freePort();
  dashUrl = `http://127.0.0.1:${port}`;
  dashboard = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'apps/dashboard/src/main.ts')], {
    env: {
      ...process.env,
      MONGO_URL: s.config.MONGO_URL,
      REDIS_URL: s.config.REDIS_URL,
      DASHBOARD_PORT: String(port),
      DASHBOARD_GATEWAY_URL: new URL(s.gatewayUrl).origin,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dashboard.stdout!.on('data', (d) => (dashOut += d));
  dashboard.stderr!.on('data', (d) => (dashOut += d));
  await new Promise<void>((resolve, reject) => {
    dashboard.stdout!.on('data', () => /listening/.test(dashOut) && resolve());
    dashboard.once('exit', (c) => reject(new Error(`dashboard exited ${c}: ${dashOut}`)));
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.addInitScript(`localStorage.setItem('newsline.apiKey', ${JSON.stringify(KEYS.admin)})`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dashboard && dashboard.exitCode === null) {
    dashboard.kill('SIGTERM');
    await once(dashboard, 'exit');
  }
  await ingestion?.stop();
  await s?.stop();
});

/**
 * Announces a made-up article of `sourceId` until the page lists it as live (resubscribing after a
 * filter change or a gap takes a second or so): once it shows, the subscription is in place.
 */
async function liveProbe(sourceId: string, title: string): Promise<string> {
  const id = 'f'.repeat(16) + String(Date.now()).slice(-8);
  const event = encodeEvent({
    type: 'article.added',
    articleId: id,
    url: `http://127.0.0.1/probe/${id}`,
    sourceUrl: `http://127.0.0.1/probe/${id}`,
    sourceId,
    title,
    language: 'en',
    publishedAt: new Date().toISOString(),
    at: new Date().toISOString(),
  });
  const timer = setInterval(() => void s.redis.publish(EVENTS_CHANNEL, event), 500);
  try {
    await page.locator(`[data-testid="headlines"] > li.live-new[data-id="${id}"]`).waitFor({ timeout: 30_000 });
  } finally {
    clearInterval(timer);
  }
  return id;
}

const hasApprove = readFileSync(join(root, 'apps/gateway/supergraph.graphql'), 'utf8').includes('approveTakedown(');
let articleId = '';
let articleUrl = '';
let articleTitle = '';

describe('dashboard in Chromium', () => {
  it('serves the bundled page with no external requests', async () => {
    const external: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:') external.push(r.url());
    });
    await page.goto(`${dashUrl}/#headlines`);
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor({ timeout: 20_000 });
    await page.getByText('Source health').or(page.getByText('Articles per hour per source')).first().waitFor();
    expect(external).toEqual([]);
  }, 60_000);

  it('shows ingested headlines arriving live, linked to their source with attribution', async () => {
    // Events travel on one Redis channel shared by every suite: filter on a source of ours, so the
    // server-side filter of query and subscription leaves only this test's articles.
    const ours = await s.store.Source.findOne({ languages: 'en' }).lean();
    await page.locator(`select[aria-label="Source"] option[value="${String(ours!._id)}"]`).waitFor({ state: 'attached' });
    await page.locator('select[aria-label="Source"]').selectOption(String(ours!._id));
    await page.getByText('latest headlines').waitFor();
    // Publish only once the filtered subscription is in place (the scheduler's first tick already
    // ingested the initial entries): an article stored before it reaches the page by the query alone.
    await liveProbe(String(ours!._id), 'Probe: the filtered subscription is live');
    const entry = ingestion.pub.publish(ours!.key);
    await ingestion.poll(entry.feedUrl);
    // Items flagged live-new came over the headlineAdded subscription, not a query.
    const live = page
      .locator('[data-testid="headlines"] > li.live-new')
      .filter({ has: page.locator('a.title', { hasText: entry.title }) })
      .filter({ has: page.locator('.badge', { hasText: /^en$/ }) });
    await live.first().waitFor({ timeout: 60_000 });
    const id = await live.first().getAttribute('data-id');
    const article = await s.store.Article.findById(id).lean();
    expect(article).toBeTruthy();
    expect(article!.url).toBe(entry.url);
    articleId = String(article!._id);
    articleUrl = article!.url;
    articleTitle = article!.title;
    const row = page.locator(`li[data-id="${articleId}"]`).first();
    await expect(row.locator('a.title').getAttribute('href')).resolves.toBe(article!.sourceUrl);
    expect((await row.locator('.attribution').textContent())!.length).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/newsline-dashboard.png', fullPage: false });
  }, 90_000);

  it('finds the headline by search', async () => {
    const words = articleTitle.split(/\s+/).slice(0, 4).join(' ');
    await page.getByLabel('Search').fill(words);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText(/result\(s\) for/).waitFor();
    await page.locator(`li[data-id="${articleId}"]`).first().waitFor({ timeout: 15_000 });
    const titles = await page.locator('[data-testid="headlines"] a.title').allTextContents();
    expect(titles).toContain(articleTitle);
    await page.getByRole('button', { name: 'Clear' }).click();
  }, 30_000);

  it('drops a headline the moment headlineRemoved arrives', async () => {
    // Another displayed article, removed by the same Redis event the takedown enforcement emits.
    await page.locator(`li[data-id="${articleId}"]`).first().waitFor();
    const other = page.locator(`[data-testid="headlines"] > li[data-id]:not([data-id="${articleId}"])`).first();
    await other.waitFor({ timeout: 45_000 });
    const otherId = (await other.getAttribute('data-id'))!;
    expect(otherId).toMatch(/^[0-9a-f]{24}$/);
    const row = page.locator(`li[data-id="${otherId}"]`);
    await s.redis.publish(
      EVENTS_CHANNEL,
      encodeEvent({ type: 'headline.removed', articleId: otherId, url: 'http://127.0.0.1/removed', at: new Date().toISOString() }),
    );
    await row.first().waitFor({ state: 'detached', timeout: 15_000 });
    expect(await row.count()).toBe(0);
  }, 60_000);

  it('keeps receiving live headlines after the server’s event feed was interrupted (Redis connection dropped)', async () => {
    const ours = await s.store.Source.findOne({ languages: 'en' }).lean();
    // The articles subgraph's event connection is dropped by the server, as in a Redis restart:
    // its live subscriptions end with EVENTS_INTERRUPTED and the page subscribes again.
    const line = String(await s.redis.client('LIST'))
      .split('\n')
      .find((l) => l.includes(`name=${s.articles.hub.connectionName} `))!;
    const interrupted = s.articles.hub.interruptions;
    await s.redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
    await liveProbe(String(ours!._id), 'Published after the event feed came back');
    expect(s.articles.hub.interruptions).toBe(interrupted + 1);
  }, 60_000);

  (hasApprove ? it : it.skip)(
    'approving a takedown in the admin view removes the headline from the live list',
    async () => {
      const submitted = await gql<{ submitTakedown: { request: { id: string } } }>(
        s.gatewayUrl,
        `mutation($input: TakedownInput!) { submitTakedown(input: $input) { request { id } } }`,
        {
          input: {
            scope: { kind: 'URL', value: articleUrl },
            reason: 'COPYRIGHT',
            relation: 'PUBLISHER',
            requester: { name: 'Browser Test', email: 'legal@example.org' },
            statement: 'This article is republished without a licence from us.',
          },
        },
        // Authenticated: anonymous submissions share one per-address hourly counter with other suites.
        { 'x-api-key': KEYS.editor },
      );
      const requestId = submitted.data!.submitTakedown.request.id;
      await page.getByRole('button', { name: 'Takedowns (admin)' }).click();
      const pending = page.locator(`[data-testid="takedowns-pending"] tr[data-id="${requestId}"]`);
      await pending.waitFor({ timeout: 20_000 });
      // Pending shows whether the sender proved the address; the notices and counter-notices panels are there.
      expect(['unproven', 'admin', 'email-link', 'well-known']).toContain(((await pending.locator('[data-testid="proof"]').textContent()) ?? '').trim());
      await page.locator('[data-testid="notices"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="counter-notices"]').waitFor({ timeout: 20_000 });
      await pending.getByRole('button', { name: 'Approve' }).click();
      await page.locator(`[data-testid="takedowns-decided"] li[data-id="${requestId}"]`).waitFor({ timeout: 20_000 });
      await page.locator(`[data-testid="audit"] li[data-request="${requestId}"]`).first().waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Headlines' }).click();
      await page.locator(`li[data-id="${articleId}"]`).first().waitFor({ state: 'detached', timeout: 30_000 });
      expect(await page.locator(`li[data-id="${articleId}"]`).count()).toBe(0);
    },
    90_000,
  );
});
