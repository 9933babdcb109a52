import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { StackError, which } from './proc';

/** redis-server from PATH; as root with apt-get available, installs Debian's package once. */
export function ensureRedis(log: (m: string) => void = () => {}): string {
  const found = which('redis-server', ['/usr/sbin', '/usr/bin']);
  if (found) return found;
  const apt = which('apt-get');
  if (apt && process.getuid?.() === 0) {
    log('redis-server not found; installing it with apt-get...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync(apt, ['install', '-y', '-qq', 'redis-server'], { env, stdio: 'inherit' });
    if (r.status !== 0) {
      spawnSync(apt, ['update', '-qq'], { env, stdio: 'inherit' });
      r = spawnSync(apt, ['install', '-y', '-qq', 'redis-server'], { env, stdio: 'inherit' });
    }
    const again = which('redis-server', ['/usr/sbin', '/usr/bin']);
    if (again) return again;
  }
  throw new StackError(
    'redis-server is not installed and cannot be installed here.\n' +
      '  Either install it (`apt-get install redis-server`, or your OS package), or\n' +
      '  set REDIS_URL to a Redis you run (e.g. `docker compose up -d mongo redis` and REDIS_URL=redis://127.0.0.1:6379).',
  );
}

export function redisArgs(dir: string, port: number): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
}

export async function redisHealthy(url: string, timeoutMs = 2000): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } finally {
    r.disconnect();
  }
}
