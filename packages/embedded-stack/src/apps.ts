import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StackError, stopPid } from './proc';

/** Every deployable process `start-all` runs, with the env var that sets its health port. */
export const APPS = [
  { name: 'articles', portVar: 'ARTICLES_PORT', port: 4001 },
  { name: 'sources', portVar: 'SOURCES_PORT', port: 4002 },
  { name: 'compliance', portVar: 'COMPLIANCE_PORT', port: 4003 },
  { name: 'workers', portVar: 'WORKERS_PORT', port: 4010 },
  { name: 'gateway', portVar: 'GATEWAY_PORT', port: 4000 },
] as const;

export interface RunningApp {
  name: string;
  url: string;
  child: ChildProcess;
}

export function appPort(app: (typeof APPS)[number], env: NodeJS.ProcessEnv): number {
  return Number(env[app.portVar] ?? app.port);
}

export function startApp(root: string, app: (typeof APPS)[number], env: NodeJS.ProcessEnv): RunningApp {
  const built = join(root, 'apps', app.name, 'dist', 'main.js');
  if (!existsSync(built)) throw new StackError(`${built} is missing: run \`npm run build\` first.`);
  const child = spawn(process.execPath, ['--enable-source-maps', built], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return { name: app.name, url: `http://127.0.0.1:${appPort(app, env)}`, child };
}

/** Waits for /readyz, reporting a crash at once instead of waiting out the deadline. */
export async function waitAppReady(app: RunningApp, timeoutMs = 60_000): Promise<void> {
  let exited: string | undefined;
  app.child.once('exit', (c, s) => (exited = s ?? `code ${c}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new StackError(`${app.name} exited (${exited}) before it was ready`);
    const ok = await fetch(`${app.url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StackError(`${app.name} was not ready at ${app.url}/readyz within ${timeoutMs} ms`);
}

export async function stopApps(apps: RunningApp[]): Promise<void> {
  await Promise.all(apps.map((a) => (a.child.pid ? stopPid(a.child.pid, 15_000) : undefined)));
}
