import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
  });

export class SoakTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'SoakTimeoutError';
  }
}

/** Every fault step is bounded: a step that overruns fails the run instead of hanging it. */
export async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new SoakTimeoutError(what, ms)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One app (`apps/<name>/src/main.ts`) as its own node process on a fixed port, so it can be
 * SIGKILLed and started again where its clients expect it. Ready once it logs "<name> listening"
 * (lifecycle's line after the listener is bound); a crash before that fails at once.
 */
export class AppProcess {
  child?: ChildProcess;
  private out = '';
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /** The last lines the process wrote (for failure messages). */
  output(): string {
    return this.out.slice(-4000);
  }

  async start(timeoutMs = 90_000): Promise<void> {
    this.out = '';
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, `apps/${this.name}/src/main.ts`)], {
      cwd: ROOT,
      env: { ...this.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await within(
      `${this.name} start`,
      timeoutMs,
      new Promise<void>((resolve, reject) => {
        const onData = () => {
          if (!this.out.includes(`${this.name} listening`)) return;
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
          resolve();
        };
        const onExit = (c: number | null, s: string | null) => reject(new Error(`${this.name} exited (${s ?? c}) at start:\n${this.output()}`));
        child.stdout!.on('data', onData);
        child.once('exit', onExit);
      }),
    );
  }

  /** SIGKILL (no graceful shutdown: the fault a crash or OOM kill causes), awaited until it is gone. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(t);
  }
}
