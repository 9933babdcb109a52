import { startService } from '../src';

const log = { info: () => {}, error: () => {} };

describe('startService', () => {
  it('serves /healthz and /readyz from the checks', async () => {
    let redisUp = false;
    const svc = await startService({
      name: 't',
      port: 0,
      log,
      exit: false,
      shutdownTimeoutMs: 1000,
      checks: { mongo: async () => true, redis: async () => redisUp },
      onShutdown: async () => {},
    });
    const base = `http://127.0.0.1:${svc.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: { mongo: true, redis: false } });
    redisUp = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await svc.shutdown();
  });

  it('reports not-ready while shutting down and waits for in-flight work', async () => {
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (release = r));
    let finished = false;
    const svc = await startService({
      name: 't',
      port: 0,
      log,
      exit: false,
      shutdownTimeoutMs: 5000,
      checks: {},
      onShutdown: async () => {
        await inFlight;
        finished = true;
      },
    });
    const stopping = svc.shutdown('SIGTERM');
    expect(svc.state.shuttingDown).toBe(true);
    expect(finished).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(svc.server.listening).toBe(false);
  });

  it('gives up after the shutdown timeout instead of hanging', async () => {
    const svc = await startService({
      name: 't',
      port: 0,
      log,
      exit: false,
      shutdownTimeoutMs: 100,
      checks: {},
      onShutdown: () => new Promise<void>(() => {}),
    });
    await svc.shutdown();
    expect(svc.state.shuttingDown).toBe(true);
    expect(svc.server.listening).toBe(false);
  });
});
