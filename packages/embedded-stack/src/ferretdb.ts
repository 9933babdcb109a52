import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { StackPaths } from './paths';
import { run, StackError, which } from './proc';

export const FERRETDB_VERSION = 'v2.7.0';
const MODULE = 'github.com/FerretDB/FerretDB/v2/cmd/ferretdb';

export function ferretdbBinary(paths: StackPaths): string {
  return join(paths.tools, 'bin', 'ferretdb');
}

function installedVersion(bin: string): string | undefined {
  try {
    return run(bin, ['--version']).match(/version:\s*(v[\d.]+)/)?.[1];
  } catch {
    return undefined;
  }
}

/** Builds FerretDB v2 from the Go module proxy into .tools/bin once (`go install` works as is for v2). */
export function ensureFerretdb(paths: StackPaths, log: (m: string) => void = () => {}): string {
  const bin = ferretdbBinary(paths);
  if (existsSync(bin) && installedVersion(bin) === FERRETDB_VERSION) return bin;
  const go = which('go', ['/usr/local/go/bin', '/usr/lib/go/bin']);
  if (!go) {
    throw new StackError(
      'FerretDB is not installed and Go is not available to build it.\n' +
        '  Either install Go (https://go.dev/dl, or `apt-get install golang`), or\n' +
        '  set MONGO_URL to a MongoDB you run (e.g. `docker compose up -d mongo redis` and MONGO_URL=mongodb://127.0.0.1:27017/newsline).',
    );
  }
  log(`building FerretDB ${FERRETDB_VERSION} with ${go} (once; about a minute)...`);
  mkdirSync(join(paths.tools, 'bin'), { recursive: true });
  const env = { ...process.env, GOBIN: join(paths.tools, 'bin'), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  run(go, ['install', '-trimpath', `${MODULE}@${FERRETDB_VERSION}`], { env, cwd: paths.tools });
  const v = installedVersion(bin);
  if (v !== FERRETDB_VERSION) throw new StackError(`built FerretDB reports version ${v ?? '(none)'}, expected ${FERRETDB_VERSION}`);
  return bin;
}

export function ferretdbArgs(postgresPort: number, stateDir: string, port: number): string[] {
  return [
    `--postgresql-url=postgres://postgres@127.0.0.1:${postgresPort}/postgres`,
    `--listen-addr=127.0.0.1:${port}`,
    // Loopback only, like the cluster under it (trust auth): a development and CI instance.
    '--no-auth',
    '--telemetry=disable',
    '--debug-addr=',
    `--state-dir=${stateDir}`,
    '--log-format=json',
    '--log-level=WARN',
  ];
}

/** Health check: a ping plus listDatabases, which goes through to PostgreSQL, so a FerretDB without its backend fails. */
export async function mongoHealthy(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    await client.db('admin').admin().listDatabases();
    return true;
  } finally {
    await client.close().catch(() => {});
  }
}
