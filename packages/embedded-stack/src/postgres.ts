import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { StackPaths } from './paths';
import { run, StackError, which } from './proc';

/**
 * PostgreSQL 15 + DocumentDB, the storage engine under FerretDB v2.
 *
 * Debian's PostgreSQL 15 is copied into `.tools/pg` (its binaries find their share and lib dirs
 * relative to themselves), and the extensions Debian lacks are built from the source archives
 * into that copy: libbson 1.28.0 (DocumentDB pins it; Debian 12 has 1.23), pgvector 0.8.0,
 * pg_cron 1.6.3 (Debian's 1.4.2 rejects DocumentDB's '2 seconds' schedules) and DocumentDB
 * v0.106-0 itself. The system PostgreSQL is left alone.
 */
export const DOCUMENTDB_VERSION = '0.106-0';
const BUILD_ID = `pg15-documentdb-${DOCUMENTDB_VERSION}-libbson-1.28.0-pgvector-0.8.0-pg_cron-1.6.3-3`;

export const ARCHIVES = {
  documentdb: {
    file: `documentdb-${DOCUMENTDB_VERSION}.tar.gz`,
    upstream: 'github.com/microsoft/documentdb',
    tag: `v${DOCUMENTDB_VERSION}`,
  },
  libbson: { file: 'mongo-c-driver-1.28.0.tar.gz', upstream: 'github.com/mongodb/mongo-c-driver', tag: '1.28.0' },
  pgvector: { file: 'pgvector-0.8.0.tar.gz', upstream: 'github.com/pgvector/pgvector', tag: 'v0.8.0' },
  pgcron: { file: 'pg_cron-1.6.3.tar.gz', upstream: 'github.com/citusdata/pg_cron', tag: 'v1.6.3' },
} as const;

/** Debian 12 packages the build and the server need. */
export const DEBIAN_PACKAGES = [
  'postgresql-15',
  'postgresql-server-dev-15',
  'postgresql-15-rum',
  'postgresql-15-postgis-3',
  'libpcre2-dev',
  'libintelrdfpmath-dev',
  'libicu-dev',
  'libkrb5-dev',
  'libpq-dev',
  'systemtap-sdt-dev',
  'cmake',
  'build-essential',
  'pkg-config',
];

const SYSTEM_PG = '/usr/lib/postgresql/15';
const SYSTEM_PG_SHARE = '/usr/share/postgresql/15';

export function pgBin(paths: StackPaths, name: string): string {
  return join(paths.tools, 'pg', 'lib', 'postgresql', '15', 'bin', name);
}

/** Where the source archives are read from: NEWSLINE_THIRD_PARTY_DIR, else the shared folder beside the repo. */
export function thirdPartyDir(paths: StackPaths, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.NEWSLINE_THIRD_PARTY_DIR ?? join(paths.root, '..', 'shared', 'third-party'));
}

const FALLBACK =
  '  Or set MONGO_URL to a MongoDB you run (e.g. `docker compose up -d mongo redis` and\n' +
  '  MONGO_URL=mongodb://127.0.0.1:27017/newsline REDIS_URL=redis://127.0.0.1:6379).';

function missingPackages(): string[] {
  return DEBIAN_PACKAGES.filter(
    (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true,
  );
}

function ensureDebianPackages(log: (m: string) => void): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const apt = which('apt-get');
  if (!apt || process.getuid?.() !== 0) {
    throw new StackError(
      `The embedded database needs Debian packages that are missing: ${missing.join(' ')}.\n  Install them (as root: apt-get install -y ${missing.join(' ')}).\n${FALLBACK}`,
    );
  }
  log(`installing ${missing.join(' ')} with apt-get (once)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync(apt, ['install', '-y', '-qq', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    spawnSync(apt, ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    r = spawnSync(apt, ['install', '-y', '-qq', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const still = missingPackages();
  if (still.length) throw new StackError(`apt-get could not install ${still.join(' ')}.\n${FALLBACK}`);
}

function step(what: string, logFile: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  writeFileSync(logFile, `\n$ (${opts.cwd ?? '.'}) ${cmd} ${args.join(' ')}\n`, { flag: 'a' });
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 256 << 20 });
  writeFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n').slice(-20).join('\n');
    throw new StackError(
      `Building the embedded database failed at: ${what}\n  command: ${cmd} ${args.join(' ')}${opts.cwd ? `\n  in: ${opts.cwd}` : ''}\n` +
        `${r.error ? String(r.error) : out}\n  Full log: ${logFile}\n${FALLBACK}`,
    );
  }
}

/**
 * Builds PostgreSQL + DocumentDB into `.tools/pg` once; a later call checks the stamp and returns.
 * About 2.5 minutes of compiling on 2 cores.
 */
export function ensurePostgres(paths: StackPaths, log: (m: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): void {
  const prefix = join(paths.tools, 'pg');
  const stamp = join(prefix, 'newsline-build');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === BUILD_ID && existsSync(pgBin(paths, 'postgres'))) return;
  ensureDebianPackages(log);
  const src = thirdPartyDir(paths, env);
  const absent = Object.values(ARCHIVES).filter((a) => !existsSync(join(src, a.file)));
  if (absent.length) {
    throw new StackError(
      `The embedded database is built from source archives that are not in ${src}:\n` +
        absent.map((a) => `  ${a.file}: \`git archive\` of ${a.upstream} at tag ${a.tag}`).join('\n') +
        `\n  Put them there, or point NEWSLINE_THIRD_PARTY_DIR at the folder that has them.\n${FALLBACK}`,
    );
  }
  log(`building PostgreSQL 15 + DocumentDB ${DOCUMENTDB_VERSION} into ${prefix} (once; about 3 minutes)...`);
  const t0 = Date.now();
  const build = join(paths.tools, 'build');
  rmSync(prefix, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  const logFile = join(build, 'build.log');
  // A private copy of Debian's PostgreSQL: extensions install into it, not into the system's.
  mkdirSync(join(prefix, 'lib', 'postgresql'), { recursive: true });
  mkdirSync(join(prefix, 'share', 'postgresql'), { recursive: true });
  mkdirSync(join(prefix, 'include'), { recursive: true });
  cpSync(SYSTEM_PG, join(prefix, 'lib', 'postgresql', '15'), { recursive: true, verbatimSymlinks: true });
  cpSync(SYSTEM_PG_SHARE, join(prefix, 'share', 'postgresql', '15'), { recursive: true, verbatimSymlinks: true });
  cpSync('/usr/include/postgresql', join(prefix, 'include', 'postgresql'), { recursive: true, verbatimSymlinks: true });
  // pg_config reports LIBDIR relative to itself; libpq stays the system's.
  symlinkSync('/usr/lib/x86_64-linux-gnu', join(prefix, 'lib', 'x86_64-linux-gnu'));
  const pgConfig = pgBin(paths, 'pg_config');
  for (const a of Object.values(ARCHIVES)) step(`unpack ${a.file}`, logFile, 'tar', ['xzf', join(src, a.file), '-C', build]);

  const libbson = join(paths.tools, 'libbson');
  const bsonBuild = join(build, 'mongo-c-driver-1.28.0', 'cmake-build');
  mkdirSync(bsonBuild, { recursive: true });
  step(
    'libbson: cmake',
    logFile,
    'cmake',
    [
      '-DENABLE_MONGOC=OFF',
      '-DENABLE_TESTS=OFF',
      '-DENABLE_EXAMPLES=OFF',
      '-DENABLE_STATIC=ON',
      '-DCMAKE_BUILD_TYPE=Release',
      '-DBUILD_VERSION=1.28.0',
      `-DCMAKE_INSTALL_PREFIX=${libbson}`,
      '..',
    ],
    { cwd: bsonBuild },
  );
  step('libbson: make install', logFile, 'make', ['-j2', 'install'], { cwd: bsonBuild });

  // Debian ships Intel's decimal math library without the pkg-config module DocumentDB asks for;
  // without it the build "succeeds" and PostgreSQL later refuses the library (undefined __bid128_sin).
  const pc = join(paths.tools, 'pkgconfig');
  mkdirSync(pc, { recursive: true });
  writeFileSync(
    join(pc, 'intelmathlib.pc'),
    'Name: intelmathlib\nDescription: Intel decimal floating-point math (Debian libintelrdfpmath-dev)\nVersion: 2.0\nCflags: -I/usr/include\nLibs: -L/usr/lib/x86_64-linux-gnu -lbidgcc000\n',
  );
  const makeEnv = {
    ...process.env,
    PKG_CONFIG_PATH: [pc, join(libbson, 'lib', 'pkgconfig'), process.env.PKG_CONFIG_PATH].filter(Boolean).join(':'),
  };
  // with_llvm=no: no JIT bitcode, a third less compiling and nothing the server needs.
  const pgx = [`PG_CONFIG=${pgConfig}`, 'with_llvm=no'];
  const docdb = join(build, `documentdb-${DOCUMENTDB_VERSION}`);
  for (const [what, dir] of [
    ['pgvector', join(build, 'pgvector-0.8.0')],
    ['pg_cron', join(build, 'pg_cron-1.6.3')],
    ['DocumentDB core', join(docdb, 'pg_documentdb_core')],
    ['DocumentDB', join(docdb, 'pg_documentdb')],
  ] as const) {
    step(`${what}: make`, logFile, 'make', ['-j2', ...pgx], { cwd: dir, env: makeEnv });
    step(`${what}: make install`, logFile, 'make', ['install', ...pgx], { cwd: dir, env: makeEnv });
  }
  writeFileSync(stamp, `${BUILD_ID}\n`);
  log(`built PostgreSQL + DocumentDB in ${Math.round((Date.now() - t0) / 1000)} s`);
}

/** PostgreSQL refuses to run as root: as root the cluster belongs to Debian's `postgres` user. */
export function runAs(): { uid: number; gid: number; user: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new StackError(
      `Running as root, and there is no \`postgres\` user to run PostgreSQL as (Debian's postgresql-15 creates it).\n${FALLBACK}`,
    );
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), user: 'postgres' };
}

/** setpriv arguments that drop to the cluster's user (empty when not root). */
export function dropPrivileges(): string[] {
  const u = runAs();
  return u ? [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups'] : [];
}

export function postgresConf(port: number, dataDir: string): string {
  return [
    '# Written by the Newsline launcher.',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${dataDir}'`,
    "shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'",
    "cron.database_name = 'postgres'",
    'shared_buffers = 512MB',
    'max_connections = 300',
    "log_min_messages = 'warning'",
    '',
  ].join('\n');
}

export function checkPgDataDir(dataDir: string): void {
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new StackError(`PostgreSQL data dir ${dataDir} is not a directory. Move it aside or delete it to start fresh.`);
  }
}

/** initdb once (trust auth: the cluster listens on 127.0.0.1 only), then our settings. */
export function initCluster(paths: StackPaths, dataDir: string, port: number): void {
  checkPgDataDir(dataDir);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const u = runAs();
    if (u) {
      chownSync(dataDir, u.uid, u.gid);
      // The cluster's user must get through the data dir that holds it (a mkdtemp dir is 0700).
      const parent = dirname(dataDir);
      chmodSync(parent, statSync(parent).mode | 0o711);
    }
    const setpriv = which('setpriv');
    const cmd = u ? setpriv! : pgBin(paths, 'initdb');
    const args = [
      ...(u ? [...dropPrivileges(), '--', pgBin(paths, 'initdb')] : []),
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ];
    run(cmd, args);
  }
  // The port and settings are rewritten at every start, so NEWSLINE_POSTGRES_PORT can change.
  const conf = join(dataDir, 'postgresql.conf');
  const base = readFileSync(conf, 'utf8').split('# Written by the Newsline launcher.')[0]!;
  writeFileSync(conf, `${base}${postgresConf(port, dataDir)}`);
}

function psql(paths: StackPaths, port: number, sql: string): string {
  return run(
    pgBin(paths, 'psql'),
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    {
      env: { ...process.env, PGCONNECT_TIMEOUT: '2' },
    },
  );
}

export async function postgresHealthy(paths: StackPaths, port: number): Promise<boolean> {
  return psql(paths, port, 'SELECT 1').trim() === '1';
}

/** The extensions FerretDB needs; idempotent. */
export function createExtensions(paths: StackPaths, port: number): void {
  psql(paths, port, 'CREATE EXTENSION IF NOT EXISTS documentdb CASCADE;');
}
