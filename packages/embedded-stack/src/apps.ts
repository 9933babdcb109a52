import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StackError, stopPid } from './proc';

/** Every deployable process `start-all` runs, with the env var that sets its health port. */
export const APPS = [
  { name: 'demo-publisher', portVar: 'DEMO_PUBLISHER_PORT', port: 4080, demo: true },
  { name: 'articles', portVar: 'ARTICLES_PORT', port: 4001, demo: false },
  { name: 'sources', portVar: 'SOURCES_PORT', port: 4002, demo: false },
  { name: 'compliance', portVar: 'COMPLIANCE_PORT', port: 4003, demo: false },
  { name: 'workers', portVar: 'WORKERS_PORT', port: 4010, demo: false },
  { name: 'gateway', portVar: 'GATEWAY_PORT', port: 4000, demo: false },
  { name: 'dashboard', portVar: 'DASHBOARD_PORT', port: 4020, demo: false },
  { name: 'reader', portVar: 'READER_PORT', port: 4030, demo: false },
] as const;

/** The deployable services (the demo publisher only runs locally). */
export const SERVICE_APPS = APPS.filter((a) => !a.demo);

export interface RunningApp {
  name: string;
  url: string;
  /** The demo publisher is not a Newsline service and has no /readyz: its robots.txt answers once it listens. */
  readyPath: string;
  child: ChildProcess;
}

export function appPort(app: (typeof APPS)[number], env: NodeJS.ProcessEnv): number {
  return Number(env[app.portVar] ?? app.port);
}

export function startApp(root: string, app: (typeof APPS)[number], env: NodeJS.ProcessEnv): RunningApp {
  const built = join(root, 'apps', app.name, 'dist', 'main.js');
  if (!existsSync(built)) throw new StackError(`${built} is missing: run \`npm run build\` first.`);
  const child = spawn(process.execPath, ['--enable-source-maps', built], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return { name: app.name, url: `http://127.0.0.1:${appPort(app, env)}`, readyPath: app.demo ? '/robots.txt' : '/readyz', child };
}

/** Waits for /readyz, reporting a crash at once instead of waiting out the deadline. */
export async function waitAppReady(app: RunningApp, timeoutMs = 60_000): Promise<void> {
  let exited: string | undefined;
  app.child.once('exit', (c, s) => (exited = s ?? `code ${c}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new StackError(`${app.name} exited (${exited}) before it was ready`);
    const ok = await fetch(`${app.url}${app.readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StackError(`${app.name} was not ready at ${app.url}${app.readyPath} within ${timeoutMs} ms`);
}

export async function stopApps(apps: RunningApp[]): Promise<void> {
  await Promise.all(apps.map((a) => (a.child.pid ? stopPid(a.child.pid, 15_000) : undefined)));
}
