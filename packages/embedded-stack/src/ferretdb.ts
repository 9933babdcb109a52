import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { StackPaths } from './paths';
import { run, StackError, which } from './proc';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

export function ferretdbBinary(paths: StackPaths): string {
  return join(paths.tools, 'bin', 'ferretdb');
}

/**
 * One-line fix applied to the module source before building. FerretDB v1.24.2's SQLite backend
 * indexes `_id` as `_ferretdb_sjson->"_id"` but queries, updates and deletes by
 * `_ferretdb_sjson->'$._id'`: the same JSON path, a different expression, so SQLite cannot use the
 * index and every update or delete by `_id` scans the whole table (EXPLAIN QUERY PLAN: SCAN; an
 * update took 47 ms at 4,000 documents vs 3.5 ms at 10). `->'_id'` means `$._id` too and matches
 * the index (SEARCH USING INDEX). Behaviour is unchanged; only the plan is.
 */
export const FERRETDB_PATCH = {
  id: 'id-index-expression-1',
  file: join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'"`,
};

function installedVersion(bin: string): string | undefined {
  try {
    return run(bin, ['--version']).match(/version:\s*(v[\d.]+)/)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Builds FerretDB v1.24.2 into .tools/bin once. A plain `go install ...@v1.24.2` produces a
 * binary that panics at start ("Invalid build/version/version.txt"), because the module zip
 * lacks the generated version file; so we build the same module source with that file written.
 */
export function ensureFerretdb(paths: StackPaths, log: (m: string) => void = () => {}): string {
  const bin = ferretdbBinary(paths);
  const marker = `${bin}.patch`;
  const patched = () => existsSync(marker) && readFileSync(marker, 'utf8').trim() === FERRETDB_PATCH.id;
  if (existsSync(bin) && installedVersion(bin) === FERRETDB_VERSION && patched()) return bin;
  const go = which('go', ['/usr/local/go/bin', '/usr/lib/go/bin']);
  if (!go) {
    throw new StackError(
      'FerretDB is not installed and Go is not available to build it.\n' +
        '  Either install Go (https://go.dev/dl, or `apt-get install golang`), or\n' +
        '  set MONGO_URL to a MongoDB you run (e.g. `docker compose up -d mongo redis` and MONGO_URL=mongodb://127.0.0.1:27017/newsline).',
    );
  }
  log(`building FerretDB ${FERRETDB_VERSION} with ${go} (once; about a minute)...`);
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  const info = JSON.parse(run(go, ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { env })) as {
    Dir?: string;
    Error?: string;
  };
  if (!info.Dir) throw new StackError(`go mod download failed: ${info.Error ?? 'no module directory'}`);
  const src = join(paths.tools, 'src', `FerretDB@${FERRETDB_VERSION}`);
  rmSync(src, { recursive: true, force: true });
  cpSync(info.Dir, src, { recursive: true });
  chmodRecursive(src);
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  const patchFile = join(src, FERRETDB_PATCH.file);
  const code = readFileSync(patchFile, 'utf8');
  if (!code.includes(FERRETDB_PATCH.from))
    throw new StackError(`FerretDB source changed: ${FERRETDB_PATCH.file} lacks ${FERRETDB_PATCH.from}`);
  writeFileSync(patchFile, code.replace(FERRETDB_PATCH.from, FERRETDB_PATCH.to));
  mkdirSync(join(paths.tools, 'bin'), { recursive: true });
  run(go, ['build', '-buildvcs=false', '-trimpath', '-o', bin, './cmd/ferretdb'], { cwd: src, env });
  const v = installedVersion(bin);
  if (v !== FERRETDB_VERSION) throw new StackError(`built FerretDB reports version ${v ?? '(none)'}, expected ${FERRETDB_VERSION}`);
  writeFileSync(marker, `${FERRETDB_PATCH.id}\n`);
  return bin;
}

function chmodRecursive(dir: string): void {
  // The module cache is read-only; the copy must be writable to add version.txt and be removable.
  run('chmod', ['-R', 'u+w', dir]);
  chmodSync(dir, 0o755);
}

export function ferretdbArgs(dataDir: string, stateDir: string, port: number): string[] {
  return [
    '--handler=sqlite',
    // WAL (FerretDB's default) with synchronous=NORMAL: a commit no longer waits for an fsync of
    // the WAL. Still crash-safe for the process (a killed FerretDB loses no committed write) and
    // never corrupt; only an OS crash or power loss can drop the last commits. Measured: 56.5 →
    // 69.1 articles/s in the no-fault soak (README, "Embedded FerretDB durability").
    `--sqlite-url=file:${dataDir}/?_pragma=synchronous(normal)`,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=-',
    `--state-dir=${stateDir}`,
    '--log-format=json',
    '--log-level=warn',
  ];
}

export function checkDataDir(dataDir: string): void {
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new StackError(`FerretDB data dir ${dataDir} is not a directory. Move it aside or delete it to start fresh.`);
  }
}

/** Health check: a ping plus listDatabases, which opens every SQLite file and so catches corruption. */
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
