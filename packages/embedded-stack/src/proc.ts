import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';

export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}

export function which(cmd: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extra].filter(Boolean);
  for (const d of dirs) {
    const p = `${d}/${cmd}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

const setpriv = which('setpriv');

/**
 * Starts a server. Owned servers get a parent-death signal (via setpriv), so killing the
 * launcher — even with SIGKILL — takes them down; detached ones outlive it on purpose.
 */
export function startServer(
  cmd: string,
  args: string[],
  logFile: string,
  detached: boolean,
  opts: { stopSignal?: NodeJS.Signals; privileges?: string[] } = {},
): ChildProcess {
  const fd = openSync(logFile, 'a');
  const priv = opts.privileges ?? [];
  const wrap = (!detached || priv.length > 0) && setpriv;
  const pdeath = detached ? [] : ['--pdeathsig', opts.stopSignal ?? 'SIGTERM'];
  if (priv.length > 0 && !setpriv) throw new StackError(`setpriv (util-linux) is needed to run ${cmd} as another user`);
  const [file, argv] = wrap ? [setpriv!, [...pdeath, ...priv, '--', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { stdio: ['ignore', fd, fd], detached, env: { ...process.env, DO_NOT_TRACK: '1' } });
  closeSync(fd);
  if (detached) child.unref();
  return child;
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it resolves true, the child exits, or the deadline passes. Polling is
 * the only signal a foreign server gives that it is ready to accept connections.
 */
export async function waitReady(
  name: string,
  child: ChildProcess | undefined,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  let exited: string | undefined;
  child?.once('exit', (code, sig) => (exited = `exited with ${sig ?? `code ${code}`}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new StackError(`${name} ${exited} during start-up. Last log lines (${logFile}):\n${tail(logFile)}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new StackError(`${name} did not become ready within ${timeoutMs} ms. Last log lines (${logFile}):\n${tail(logFile)}`);
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new StackError(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  }
  return r.stdout;
}

export async function stopPid(pid: number, timeoutMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}
