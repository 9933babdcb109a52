import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { createWorkerMetrics } from '../src/metrics';
import { harness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

describe('worker metrics', () => {
  it('exposes queue depth, latency, retries and kept failures in Prometheus text', async () => {
    const connection = h.redis.duplicate({ maxRetriesPerRequest: null });
    const queue = new Queue('metrics-test', { connection, prefix: h.prefix });
    let calls = 0;
    const worker = new Worker(
      'metrics-test',
      async (job) => {
        calls++;
        if (job.data.fail === 'always' || (job.data.fail === 'once' && job.attemptsMade === 0)) throw new Error('boom');
      },
      { connection, prefix: h.prefix },
    );
    const metrics = createWorkerMetrics([queue], [worker]);
    const settled = new Promise<void>((resolve) => {
      let n = 0;
      const done = () => ++n === 3 && resolve();
      worker.on('completed', done);
      worker.on('failed', (job) => job && job.attemptsMade >= (job.opts.attempts ?? 1) && done());
    });
    await queue.add('ok', {});
    await queue.add('retry', { fail: 'once' }, { attempts: 2 });
    await queue.add('dead', { fail: 'always' }, { attempts: 1 });
    await settled;
    const server = createServer((req, res) => void metrics.handle(req, res).then((ok) => ok || res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
    expect(text).toMatch(/newsline_queue_jobs\{queue="metrics-test",state="failed"\} 1/);
    expect(text).toMatch(/newsline_queue_jobs\{queue="metrics-test",state="completed"\} 2/);
    expect(text).toMatch(/newsline_job_latency_seconds_count\{queue="metrics-test"\} 2/);
    expect(text).toMatch(/newsline_job_retries_total\{queue="metrics-test"\} 1/);
    expect(text).toMatch(/newsline_job_failures_total\{queue="metrics-test"\} 2/);
    expect(calls).toBe(4);
    server.close();
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
});
