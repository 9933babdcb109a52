import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testServices } from '@newsline/embedded-stack';
import { SERVICE_APPS } from '@newsline/embedded-stack/src/apps';

const root = join(__dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function startApp(name: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(tsx, [join(root, 'apps', name, 'src/main.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

/** Resolves when the app logs that it is listening (no polling: the log line is the event). */
function listening(app: { child: ChildProcess; output: () => string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => /listening/.test(app.output()) && resolve();
    app.child.stdout!.on('data', check);
    app.child.once('exit', (c) => reject(new Error(`exited ${c}: ${app.output()}`)));
    check();
  });
}

describe.each(SERVICE_APPS.map((a) => [a.name, a.portVar] as const))('app %s', (name, portVar) => {
  it('starts, reports ready, and stops gracefully on SIGTERM', async () => {
    const { mongoUrl, redisUrl } = testServices(`app_${name}`);
    const port = await freePort();
    const app = startApp(name, {
      MONGO_URL: mongoUrl,
      REDIS_URL: redisUrl,
      [portVar]: String(port),
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '5000',
      DEMO_SOURCES: 'false',
    });
    await listening(app);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { mongo: true, redis: true } });
    const lines = app
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: name, level: 30 });
    app.child.kill('SIGTERM');
    const [code] = await once(app.child, 'exit');
    expect(code).toBe(0);
    expect(app.output()).toMatch(/"outcome":"ok"/);
  });
});

describe('invalid configuration', () => {
  it('lists every bad variable and exits with 78', async () => {
    const app = startApp('workers', { MONGO_URL: 'postgres://nope', REDIS_URL: '', WORKERS_PORT: 'abc' });
    const [code] = await once(app.child, 'exit');
    expect(code).toBe(78);
    expect(app.output()).toMatch(/MONGO_URL: must be a mongodb/);
    expect(app.output()).toMatch(/REDIS_URL: is required/);
    expect(app.output()).toMatch(/WORKERS_PORT/);
  });
});
