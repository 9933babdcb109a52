import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Queue, Worker } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Backpressure made visible on the workers' /metrics (Prometheus text, prom-client): queue
 * depth by state (read from Redis at scrape time, so it is the cluster's, not this process's),
 * job latency from enqueue to completion, retries and failures (failed jobs are kept and
 * count as dead-lettered until re-driven).
 */
export function createWorkerMetrics(queues: Queue[], workers: Worker[]) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const depth = new Gauge({
    name: 'newsline_queue_jobs',
    help: 'Jobs per queue and state (failed = dead-lettered, kept for inspection and re-drive)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const q of queues) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
  void depth;
  const latency = new Histogram({
    name: 'newsline_job_latency_seconds',
    help: 'Time from enqueue to completion',
    labelNames: ['queue'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'newsline_job_retries_total',
    help: 'Attempts after the first',
    labelNames: ['queue'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'newsline_job_failures_total',
    help: 'Failed attempts (final or not)',
    labelNames: ['queue'],
    registers: [registry],
  });
  for (const w of workers) {
    w.on('completed', (job) => {
      latency.observe({ queue: w.name }, Math.max(0, ((job.finishedOn ?? Date.now()) - job.timestamp) / 1000));
      if (job.attemptsMade > 1) retries.inc({ queue: w.name }, job.attemptsMade - 1);
    });
    w.on('failed', () => failures.inc({ queue: w.name }));
  }
  return {
    registry,
    /** Serves /metrics; returns false for other paths. */
    async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      if ((req.url ?? '').split('?')[0] !== '/metrics') return false;
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      return true;
    },
  };
}
