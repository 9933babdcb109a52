import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFerretdb, ferretdbArgs, mongoHealthy } from './ferretdb';
import { createExtensions, dropPrivileges, ensurePostgres, initCluster, pgBin, postgresHealthy } from './postgres';
import { stackPaths, type StackPaths } from './paths';
import { isAlive, portInUse, StackError, startServer, stopPid, waitReady } from './proc';
import { ensureMailpit, mailpitArgs, mailpitHealthy } from './mailpit';
import { ensureRedis, redisArgs, redisHealthy } from './redis';

export type ServiceName = 'postgres' | 'ferretdb' | 'redis' | 'mailpit';

/** PostgreSQL's fast shutdown; its SIGTERM (smart) would wait for every client to leave. */
const STOP_SIGNAL: Record<ServiceName, NodeJS.Signals> = { postgres: 'SIGINT', ferretdb: 'SIGTERM', redis: 'SIGTERM', mailpit: 'SIGTERM' };

interface Instance {
  pid: number;
  port: number;
  url: string;
  /** Mailpit only: its SMTP listener (`url` is the web inbox). */
  smtp?: string;
}
type State = Partial<Record<ServiceName, Instance>>;

export interface StackOptions {
  /** Detached servers outlive this process (`services up`); owned ones die with it. */
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
  paths?: StackPaths;
  log?: (msg: string) => void;
  startTimeoutMs?: number;
}

export interface Stack {
  mongoUrl: string;
  redisUrl: string;
  /** The mail catcher's SMTP listener (`smtp://host:port`) and web inbox; from SMTP_HOST/SMTP_PORT when set (no inbox then). */
  smtpUrl: string;
  mailpitUrl?: string;
  /** Which services this call started (and `stop` will stop). */
  started: ServiceName[];
  /** Stops what this call started; detached servers are left to `services down`. */
  stop(): Promise<void>;
  /**
   * Stops one server this call started and starts it again on the same port and data dir,
   * health-checked; the other keeps running (fault injection: restart Redis or FerretDB alone).
   */
  restart(name: ServiceName): Promise<void>;
}

export const DEFAULT_DB = 'newsline';

function readState(p: StackPaths): State {
  try {
    return JSON.parse(readFileSync(p.stateFile, 'utf8')) as State;
  } catch {
    return {};
  }
}

function writeState(p: StackPaths, s: State): void {
  mkdirSync(p.data, { recursive: true });
  if (Object.keys(s).length === 0) rmSync(p.stateFile, { force: true });
  else writeFileSync(p.stateFile, JSON.stringify(s, null, 2));
}

/** The stack `services up` left running, if it is still alive. */
export function runningStack(paths = stackPaths()): {
  mongoUrl?: string;
  redisUrl?: string;
  postgresUrl?: string;
  mailpitUrl?: string;
  smtpUrl?: string;
} {
  const s = readState(paths);
  const mailpit = s.mailpit && isAlive(s.mailpit.pid) ? s.mailpit : undefined;
  return {
    mailpitUrl: mailpit?.url,
    smtpUrl: mailpit?.smtp,
    postgresUrl: s.postgres && isAlive(s.postgres.pid) ? s.postgres.url : undefined,
    mongoUrl: s.ferretdb && isAlive(s.ferretdb.pid) ? s.ferretdb.url : undefined,
    redisUrl: s.redis && isAlive(s.redis.pid) ? s.redis.url : undefined,
  };
}

export async function ensureStack(opts: StackOptions = {}): Promise<Stack> {
  const env = opts.env ?? process.env;
  const paths = opts.paths ?? stackPaths();
  const log = opts.log ?? ((m: string) => process.stderr.write(`[stack] ${m}\n`));
  const timeout = opts.startTimeoutMs ?? 30_000;
  const owned: { name: ServiceName; child: ChildProcess; launch: () => Promise<ChildProcess> }[] = [];
  mkdirSync(paths.logs, { recursive: true });

  const stop = async () => {
    for (const o of owned.splice(0).reverse()) if (o.child.pid) await stopPid(o.child.pid, 10_000, STOP_SIGNAL[o.name]);
  };

  async function provide(
    name: ServiceName,
    envUrl: string | undefined,
    port: number,
    healthy: (url: string) => Promise<boolean>,
    spawnIt: () => { child: ChildProcess; url: string },
  ): Promise<string> {
    const label = name === 'redis' ? 'Redis' : 'MongoDB';
    if (envUrl) {
      if (!(await healthy(envUrl).catch(() => false))) {
        throw new StackError(`${label} at ${redact(envUrl)} (from ${name === 'redis' ? 'REDIS_URL' : 'MONGO_URL'}) is not reachable.`);
      }
      return envUrl;
    }
    const state = readState(paths);
    const prev = state[name];
    if (prev && isAlive(prev.pid) && (await healthy(prev.url).catch(() => false))) {
      log(`reusing ${name} (pid ${prev.pid}) at ${prev.url}`);
      return prev.url;
    }
    if (prev) {
      // A recorded instance that is dead or unhealthy: clear it so it cannot block the port.
      await stopPid(prev.pid, 10_000, STOP_SIGNAL[name]);
      delete state[name];
      writeState(paths, state);
    }
    if (await portInUse(port)) {
      throw new StackError(
        `port ${port} on 127.0.0.1 is taken by another process, so the embedded ${name} cannot start.\n` +
          `  Set ${name === 'mailpit' ? 'NEWSLINE_MAILPIT_HTTP_PORT and NEWSLINE_MAILPIT_SMTP_PORT' : `NEWSLINE_${name.toUpperCase()}_PORT`} to a free port, or point ${name === 'redis' ? 'REDIS_URL' : name === 'mailpit' ? 'SMTP_HOST' : 'MONGO_URL'} at a server you run.`,
      );
    }
    let url = '';
    const launch = async () => {
      const spawned = spawnIt();
      url = spawned.url;
      const logFile = join(paths.logs, `${name}.log`);
      try {
        await waitReady(name, spawned.child, () => healthy(url), timeout, logFile);
      } catch (e) {
        if (spawned.child.pid) await stopPid(spawned.child.pid, 10_000, STOP_SIGNAL[name]);
        throw e;
      }
      log(`started ${name} (pid ${spawned.child.pid}) at ${url}`);
      return spawned.child;
    };
    const child = await launch();
    if (opts.detached) writeState(paths, { ...readState(paths), [name]: { pid: child.pid!, port, url } });
    else owned.push({ name, child, launch });
    return url;
  }

  try {
    const mongoPort = Number(env.NEWSLINE_FERRETDB_PORT ?? 27117);
    const pgPort = Number(env.NEWSLINE_POSTGRES_PORT ?? 27118);
    const redisPort = Number(env.NEWSLINE_REDIS_PORT ?? 6479);
    if (!env.MONGO_URL) {
      // FerretDB v2 stores everything in PostgreSQL + DocumentDB: that server comes first.
      await provide(
        'postgres',
        undefined,
        pgPort,
        async () => (await postgresHealthy(paths, pgPort)) && (createExtensions(paths, pgPort), true),
        () => {
          ensurePostgres(paths, log, env);
          const dataDir = join(paths.data, 'postgres');
          initCluster(paths, dataDir, pgPort);
          return {
            child: startServer(pgBin(paths, 'postgres'), ['-D', dataDir], join(paths.logs, 'postgres.log'), !!opts.detached, {
              stopSignal: 'SIGINT',
              privileges: dropPrivileges(),
            }),
            url: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
          };
        },
      );
    }
    const mongoUrl = await provide(
      'ferretdb',
      env.MONGO_URL,
      mongoPort,
      (u) => mongoHealthy(u),
      () => {
        const bin = ensureFerretdb(paths, log);
        const stateDir = join(paths.data, 'ferretdb-state');
        mkdirSync(stateDir, { recursive: true });
        return {
          child: startServer(bin, ferretdbArgs(pgPort, stateDir, mongoPort), join(paths.logs, 'ferretdb.log'), !!opts.detached),
          url: `mongodb://127.0.0.1:${mongoPort}/${DEFAULT_DB}`,
        };
      },
    );
    const redisUrl = await provide(
      'redis',
      env.REDIS_URL,
      redisPort,
      (u) => redisHealthy(u),
      () => {
        const bin = ensureRedis(log);
        const dir = join(paths.data, 'redis');
        mkdirSync(dir, { recursive: true });
        return {
          child: startServer(bin, redisArgs(dir, redisPort), join(paths.logs, 'redis.log'), !!opts.detached),
          url: `redis://127.0.0.1:${redisPort}`,
        };
      },
    );
    // SMTP_HOST set: mail goes to that server (checked by the app that sends); otherwise the local catcher.
    const smtpPort = Number(env.NEWSLINE_MAILPIT_SMTP_PORT ?? 1025);
    const webPort = Number(env.NEWSLINE_MAILPIT_HTTP_PORT ?? 8025);
    let smtpUrl = `smtp://${env.SMTP_HOST}:${env.SMTP_PORT ?? 587}`;
    let mailpitUrl: string | undefined;
    if (!env.SMTP_HOST) {
      // Recorded with the HTTP port as `port` so the state file stays one shape; SMTP is derived below.
      mailpitUrl = await provide(
        'mailpit',
        undefined,
        webPort,
        (u) => mailpitHealthy(u),
        () => {
          const bin = ensureMailpit(paths, log);
          const dir = join(paths.data, 'mailpit');
          mkdirSync(dir, { recursive: true });
          return {
            child: startServer(bin, mailpitArgs(dir, smtpPort, webPort), join(paths.logs, 'mailpit.log'), !!opts.detached),
            url: `http://127.0.0.1:${webPort}`,
          };
        },
      );
      smtpUrl = `smtp://127.0.0.1:${smtpPort}`;
      const st = readState(paths);
      if (opts.detached && st.mailpit && !st.mailpit.smtp) writeState(paths, { ...st, mailpit: { ...st.mailpit, smtp: smtpUrl } });
    }
    const restart = async (name: ServiceName) => {
      const o = owned.find((x) => x.name === name);
      if (!o) throw new StackError(`${name} was not started by this stack (reused or from an env URL), so it cannot restart it`);
      if (o.child.pid) await stopPid(o.child.pid, 10_000, STOP_SIGNAL[name]);
      o.child = await o.launch();
    };
    return { mongoUrl, redisUrl, smtpUrl, mailpitUrl, started: owned.map((o) => o.name), stop, restart };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Stops the servers `services up` started. */
export async function stopDetached(
  paths = stackPaths(),
  log: (m: string) => void = (m) => process.stderr.write(`[stack] ${m}\n`),
): Promise<ServiceName[]> {
  const s = readState(paths);
  const stopped: ServiceName[] = [];
  for (const name of ['mailpit', 'redis', 'ferretdb', 'postgres'] as ServiceName[]) {
    const inst = s[name];
    if (!inst) continue;
    await stopPid(inst.pid, 10_000, STOP_SIGNAL[name]);
    log(`stopped ${name} (pid ${inst.pid})`);
    stopped.push(name);
  }
  writeState(paths, {});
  return stopped;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
