import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDashboardServer } from '../src/server';

// Real node:http servers on loopback: a stand-in gateway that echoes, and the dashboard server.
let gateway: Server;
let dash: Server;
let base: string;
const seen: { url?: string; body: string }[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dash-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ url: req.url, body });
      res.writeHead(200, { 'content-type': 'application/json', 'x-from': 'gateway' }).end('{"data":{"ok":true}}');
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const d = createDashboardServer({ gatewayUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, publicDir: dir });
  dash = createServer(d.handler);
  await new Promise<void>((r) => dash.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(dash.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => dash.close(r));
  await new Promise((r) => gateway.close(r));
});

it('serves index.html for client routes and hashed assets with a long cache', async () => {
  const page = await fetch(`${base}/sources`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  expect(await page.text()).toContain('id="root"');
  const asset = await fetch(`${base}/assets/app-abc123.js`);
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
  expect(asset.headers.get('cache-control')).toMatch(/immutable/);
  expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  expect((await fetch(`${base}/..%2f..%2fetc/passwd`)).status).toBe(400);
});

it('proxies /graphql and /admin/queues to the gateway, body and headers intact', async () => {
  const r = await fetch(`${base}/graphql?x=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query":"{a}"}',
  });
  expect(r.headers.get('x-from')).toBe('gateway');
  expect(await r.json()).toEqual({ data: { ok: true } });
  expect(seen.at(-1)).toEqual({ url: '/graphql?x=1', body: '{"query":"{a}"}' });
  await fetch(`${base}/admin/queues/api/queues`);
  expect(seen.at(-1)!.url).toBe('/admin/queues/api/queues');
});
