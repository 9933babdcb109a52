import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { MongoClient } from 'mongodb';
import { ensureStack, mongoHealthy, redisHealthy, stackPaths, stopDetached, StackError } from '../src';
import { isAlive, portInUse } from '../src/proc';

// These tests start their own PostgreSQL, FerretDB and Redis on separate ports and data dirs, so
// they never touch the stack the rest of the suite uses (the build in .tools/ is shared).
const dirs: string[] = [];
function isolated(portBase: number) {
  const data = mkdtempSync(join(tmpdir(), 'nl-stack-'));
  dirs.push(data);
  const paths = { ...stackPaths(), data, logs: join(data, 'logs'), stateFile: join(data, 'stack.json') };
  const env = {
    PATH: process.env.PATH,
    NEWSLINE_FERRETDB_PORT: String(portBase),
    NEWSLINE_REDIS_PORT: String(portBase + 1),
    NEWSLINE_POSTGRES_PORT: String(portBase + 2),
    // Mailpit too: `npm test`'s own stack holds the default ports.
    NEWSLINE_MAILPIT_SMTP_PORT: String(portBase + 3),
    NEWSLINE_MAILPIT_HTTP_PORT: String(portBase + 4),
  };
  return { paths, env, log: () => {} };
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function waitDead(pid: number, ms = 10_000): Promise<boolean> {
  // A foreign process's exit has no event to await; poll its pid.
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

describe('embedded stack launcher', () => {
  it('starts PostgreSQL, FerretDB, Redis and Mailpit it owns, health-checked, and stops them', async () => {
    const o = isolated(27250);
    const s = await ensureStack(o);
    expect(s.started).toEqual(['postgres', 'ferretdb', 'redis', 'mailpit']);
    expect(s.mailpitUrl).toBe('http://127.0.0.1:27254');
    expect(await mongoHealthy(s.mongoUrl)).toBe(true);
    expect(await redisHealthy(s.redisUrl)).toBe(true);
    await s.stop();
    expect(await portInUse(27250)).toBe(false);
    expect(await portInUse(27251)).toBe(false);
    expect(await portInUse(27252)).toBe(false);
    expect(await portInUse(27254)).toBe(false);
  });

  it('restarts Redis or FerretDB alone, on the same port and data, leaving the other running', async () => {
    const o = isolated(27310);
    const started: string[] = [];
    const s = await ensureStack({ ...o, log: (m) => started.push(m) });
    const pidOf = (name: string) =>
      [...started]
        .reverse()
        .find((m) => m.startsWith(`started ${name} `))!
        .match(/pid (\d+)/)![1];
    const [mongo0, redis0] = [pidOf('ferretdb'), pidOf('redis')];
    const r = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
    r.on('error', () => {});
    await r.set('kept', 'across-restart');
    const m = new MongoClient(s.mongoUrl);
    await m
      .db()
      .collection('c')
      .insertOne({ _id: 'kept' as never });
    try {
      await s.restart('redis');
      expect(pidOf('redis')).not.toBe(redis0);
      expect(pidOf('ferretdb')).toBe(mongo0);
      expect(isAlive(Number(mongo0))).toBe(true);
      expect(isAlive(Number(redis0))).toBe(false);
      expect(await r.get('kept')).toBe('across-restart'); // AOF: Redis data survives its restart
      await s.restart('ferretdb');
      expect(pidOf('ferretdb')).not.toBe(mongo0);
      expect(isAlive(Number(pidOf('redis')))).toBe(true);
      expect(
        await m
          .db()
          .collection('c')
          .countDocuments({ _id: 'kept' as never }),
      ).toBe(1);
    } finally {
      r.disconnect();
      await m.close();
      await s.stop();
    }
    expect(await portInUse(27310)).toBe(false);
    expect(await portInUse(27311)).toBe(false);
    await expect(s.restart('redis')).rejects.toBeInstanceOf(StackError); // stopped: nothing owned to restart
  });

  it('reuses a detached stack, and `down` stops it', async () => {
    const o = isolated(27260);
    const first = await ensureStack({ ...o, detached: true });
    const second = await ensureStack(o);
    expect(second.started).toEqual([]);
    expect(second.mongoUrl).toBe(first.mongoUrl);
    await second.stop();
    expect(await portInUse(27260)).toBe(true); // still up: it belongs to `up`
    expect(await stopDetached(o.paths, () => {})).toEqual(['mailpit', 'redis', 'ferretdb', 'postgres']);
    expect(await portInUse(27260)).toBe(false);
  });

  it("fails fast with PostgreSQL's own message on a data dir it cannot use", async () => {
    const o = isolated(27270);
    const dir = join(o.paths.data, 'postgres');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'PG_VERSION'), '15\n');
    writeFileSync(join(dir, 'postgresql.conf'), '');
    const t0 = Date.now();
    await expect(ensureStack(o)).rejects.toThrow(/postgres exited with code \d+ during start-up[\s\S]*(FATAL|Permission denied)/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(await portInUse(27271)).toBe(false); // nothing left behind
    expect(await portInUse(27270)).toBe(false);
  });

  it('refuses a data dir that is not a directory', async () => {
    const o = isolated(27280);
    writeFileSync(join(o.paths.data, 'postgres'), 'x');
    await expect(ensureStack(o)).rejects.toThrow(/is not a directory/);
  });

  it('names the alternatives when MONGO_URL points nowhere', async () => {
    const o = isolated(27290);
    const err = await ensureStack({ ...o, env: { ...o.env, MONGO_URL: 'mongodb://127.0.0.1:1/x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackError);
    expect(String(err)).toMatch(/MONGO_URL/);
  });

  it('leaves no stray servers when the launcher is killed with SIGKILL', async () => {
    const o = isolated(27300);
    const cli = join(__dirname, '../src/cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'run', '--', process.execPath, '-e', 'setTimeout(()=>{},60000)'], {
      env: { ...process.env, ...o.env, NEWSLINE_DATA_DIR: o.paths.data, MONGO_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const pids = await new Promise<number[]>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        err += d;
        const found = [...err.matchAll(/started \w+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
        if (found.length === 3) resolve(found);
      });
      child.once('exit', (c) => reject(new Error(`launcher exited ${c}: ${err}`)));
    });
    child.kill('SIGKILL');
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
    expect(await portInUse(27300)).toBe(false);
    expect(await portInUse(27302)).toBe(false);
  });
});
