import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** One request of a load run: a POST body, and the headers to send with it (re-read per request). */
export interface Target {
  url: string;
  bodies: string[];
  headers: () => Record<string, string>;
}

export interface RunResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  latenciesMs: number[];
  firstError?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** A request not answered within this is an error: every run ends by itself. */
export const TIMEOUT_MS = 10_000;

/** A 200 with a GraphQL result that has data and no errors counts as a success. */
async function once(pool: Pool, path: string, t: Target, body: string): Promise<string | undefined> {
  const res = await pool.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers() },
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text.startsWith('{"data"') || text.includes('"errors"')) return `${res.statusCode} ${text.slice(0, 300)}`;
  return undefined;
}

/** Closed loop: `connections` workers, each sending its next request when the previous answered, for `durationMs`. */
export async function closedLoop(t: Target, connections: number, durationMs: number): Promise<RunResult> {
  const u = new URL(t.url);
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  let next = 0;
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const body = t.bodies[next++ % t.bodies.length]!;
      const t0 = performance.now();
      try {
        const err = await once(pool, u.pathname, t, body);
        if (err) {
          errors++;
          firstError ??= err;
        }
      } catch (e) {
        errors++;
        firstError ??= String(e);
      }
      latenciesMs.push(performance.now() - t0);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { requests, errors, seconds, rps: (requests - errors) / seconds, latenciesMs: latenciesMs.sort((a, b) => a - b), firstError };
}

/**
 * Open loop: requests start on a fixed schedule (`rate` per second) whether or not earlier ones
 * finished; latency is measured from the scheduled start, so queueing anywhere (client included)
 * counts against the server instead of being hidden (no coordinated omission).
 */
export async function openLoop(t: Target, rate: number, durationMs: number, maxConnections = 256): Promise<RunResult> {
  const u = new URL(t.url);
  const pool = new Pool(u.origin, { connections: maxConnections, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.round((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const body = t.bodies[i % t.bodies.length]!;
    inflight.push(
      once(pool, u.pathname, t, body).then(
        (err) => {
          latenciesMs.push(performance.now() - due);
          if (err) {
            errors++;
            firstError ??= err;
          }
        },
        (e: unknown) => {
          latenciesMs.push(performance.now() - due);
          errors++;
          firstError ??= String(e);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { requests: total, errors, seconds, rps: (total - errors) / seconds, latenciesMs: latenciesMs.sort((a, b) => a - b), firstError };
}
