import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackPaths } from './paths';
import { run, StackError, which } from './proc';

/** Mailpit: the local mail catcher every notice goes to by default (SMTP in, web inbox + REST API out). */
export const MAILPIT_VERSION = 'v1.33.1';
const MODULE = 'github.com/axllent/mailpit';

export function mailpitBinary(paths: StackPaths): string {
  return join(paths.tools, 'bin', 'mailpit');
}

/** `mailpit version` asks GitHub for the latest release (no network here): the build writes its version beside the binary. */
const stamp = (bin: string) => `${bin}.version`;

export function ensureMailpit(paths: StackPaths, log: (m: string) => void = () => {}): string {
  const bin = mailpitBinary(paths);
  if (existsSync(bin) && existsSync(stamp(bin)) && readFileSync(stamp(bin), 'utf8').trim() === MAILPIT_VERSION) return bin;
  const go = which('go', ['/usr/local/go/bin', '/usr/lib/go/bin']);
  if (!go) {
    throw new StackError(
      'Mailpit is not installed and Go is not available to build it.\n' +
        '  Either install Go (https://go.dev/dl), or set SMTP_HOST/SMTP_PORT to a mail server you run\n' +
        '  (e.g. `docker compose up -d mailpit`, SMTP_HOST=127.0.0.1 SMTP_PORT=1025).',
    );
  }
  log(`building Mailpit ${MAILPIT_VERSION} with ${go} (once; about a minute)...`);
  mkdirSync(join(paths.tools, 'bin'), { recursive: true });
  const env = { ...process.env, GOBIN: join(paths.tools, 'bin'), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  run(go, ['install', '-trimpath', `${MODULE}@${MAILPIT_VERSION}`], { env, cwd: paths.tools });
  if (!existsSync(bin)) throw new StackError(`go install ${MODULE}@${MAILPIT_VERSION} produced no ${bin}`);
  writeFileSync(stamp(bin), `${MAILPIT_VERSION}\n`);
  return bin;
}

export function mailpitArgs(dataDir: string, smtpPort: number, httpPort: number): string[] {
  return [
    '--smtp',
    `127.0.0.1:${smtpPort}`,
    '--listen',
    `127.0.0.1:${httpPort}`,
    // Loopback only and a development catcher: accept any login, no TLS.
    '--smtp-auth-accept-any',
    '--smtp-auth-allow-insecure',
    '--database',
    join(dataDir, 'mailpit.db'),
    '--max',
    '5000',
    '--disable-version-check',
  ];
}

/** Health check: the REST API answers (it shares the process with the SMTP listener). */
export async function mailpitHealthy(webUrl: string, timeoutMs = 2000): Promise<boolean> {
  const res = await fetch(new URL('/api/v1/info', webUrl), { signal: AbortSignal.timeout(timeoutMs) });
  return res.ok && typeof ((await res.json()) as { Version?: unknown }).Version === 'string';
}
