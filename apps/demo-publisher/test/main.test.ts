import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';

let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

test('starts on DEMO_PUBLISHER_PORT, logs its URL and feeds as one JSON line, and exits 0 on SIGTERM', async () => {
  child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, DEMO_PUBLISHER_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  const line = JSON.parse(first);
  expect(line.msg).toBe('demo publisher listening');
  expect(line.service).toBe('demo-publisher');
  expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(line.feeds.map((f: { charset: string }) => f.charset)).toEqual(expect.arrayContaining(['utf-8', 'Shift_JIS', 'windows-1251']));

  const res = await fetch(line.feeds[0].url);
  expect(res.status).toBe(200);
  await res.arrayBuffer();

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  expect(code).toBe(0);
});
