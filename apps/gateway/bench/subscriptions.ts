import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { EVENTS_CHANNEL, encodeEvent } from '@newsline/domain';
import { percentile, round } from './load';
import { procMemMiB, ROOT, startBenchStack } from './stack';

type Msg =
  | { type: 'hello' }
  | { type: 'subscribed'; n: number; errors: number; firstError?: string }
  | { type: 'progress'; warm: number; delivered: number; errors: number }
  | { type: 'report'; latencies: number[]; delivered: number; errors: number; firstError?: string };

const hex = (n: number) => n.toString(16).padStart(24, '0');

/** CPU time (user + system) a process has used so far, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function event(title: string, i: number): string {
  const now = new Date().toISOString();
  return encodeEvent({
    type: 'article.added',
    articleId: hex(i),
    url: `https://bench.example/${i}`,
    sourceUrl: `https://bench.example/${i}`,
    sourceId: hex(0xaa),
    title,
    language: 'en',
    publishedAt: now,
    at: now,
  });
}

/**
 * `npm run bench -- subscriptions [--subscribers 10000] [--events 20] [--interval-ms 1000] [--batch 200] [--client lean|graphql-ws] [--json]`
 *
 * N graphql-ws subscribers (in a separate client process) on one gateway, subscribed to
 * headlineAdded; warm-up events until every subscription is live end to end; then M article.added
 * events published on Redis, each carrying its publish time; measures publish → receipt latency,
 * delivered vs expected, and the gateway process's peak RSS (VmHWM). Ends with one JSON line.
 */
export async function runSubscriptionsBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subscribers: { type: 'string', default: '10000' },
      events: { type: 'string', default: '20' },
      'interval-ms': { type: 'string', default: '1000' },
      batch: { type: 'string', default: '200' },
      client: { type: 'string', default: 'lean' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.client !== 'lean' && values.client !== 'graphql-ws') throw new TypeError(`--client must be lean or graphql-ws, not ${values.client}`);
  const n = Number(values.subscribers);
  const m = Number(values.events);
  const interval = Number(values['interval-ms']);
  const say = (s: string) => !values.json && process.stderr.write(`${s}\n`);

  const s = await startBenchStack({ prefix: 'subs', articles: 0, log: values.json ? () => undefined : (x) => say(`[stack] ${x}`) });
  // The clients get their own process (and fd limit): 10k sockets on each side of the gateway.
  const cmd = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" --import tsx "$1"`;
  const child = spawn('sh', ['-c', cmd, process.execPath, join(__dirname, 'sub-clients.ts')], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  let progress = { warm: 0, delivered: 0, errors: 0 };
  const waitFor = <T extends Msg['type']>(type: T, ms: number) =>
    new Promise<Extract<Msg, { type: T }>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} from the client process in ${ms} ms`)), ms);
      const on = (msg: Msg) => {
        if (msg.type !== type) return;
        clearTimeout(t);
        child.off('message', on);
        resolve(msg as Extract<Msg, { type: T }>);
      };
      child.on('message', on);
    });
  child.on('message', (msg: Msg) => {
    if (msg.type === 'progress') progress = msg;
  });
  const until = async (cond: () => boolean, ms: number, tick?: () => unknown) => {
    const end = performance.now() + ms;
    while (!cond() && performance.now() < end) {
      await tick?.();
      await sleep(200);
    }
    return cond();
  };
  try {
    await waitFor('hello', 60_000);
    const t0 = performance.now();
    child.send({ cmd: 'start', url: s.urls.gateway.replace('http', 'ws'), n, batch: Number(values.batch), lean: values.client !== 'graphql-ws' });
    const sub = await waitFor('subscribed', 300_000);
    say(
      `${sub.n} clients connected in ${round((performance.now() - t0) / 1000, 1)} s (${sub.errors} errors${sub.firstError ? `: ${sub.firstError}` : ''})`,
    );

    // Warm-up: publish until every subscription is established gateway → subgraph → Redis.
    let w = 0;
    let lastWarm = 0;
    const allWarm = await until(
      () => progress.warm >= n,
      120_000,
      // One warm-up event a second at most: each is fanned out to every live subscription.
      () =>
        Date.now() - lastWarm >= 1000 ? ((lastWarm = Date.now()), s.redis.publish(EVENTS_CHANNEL, event(`warm ${w}`, w++))) : undefined,
    );
    say(`${progress.warm}/${n} subscriptions live after ${w} warm-up events (${round((performance.now() - t0) / 1000, 1)} s since start)`);
    await sleep(1000); // let the last warm-up fan-out drain before timing

    // CPU used per timed event, per process: on a shared machine it shows which side the work is on.
    const procs = { gateway: s.gateway.pid, articles: s.articles.pid, clients: child.pid! };
    const cpu0 = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuMs(pid)]));
    for (let k = 0; k < m; k++) {
      const at = performance.timeOrigin + performance.now();
      await s.redis.publish(EVENTS_CHANNEL, event(`bench ${k} ${at}`, 1_000_000 + k));
      if (k < m - 1) await sleep(interval);
    }
    const expected = n * m;
    await until(() => progress.delivered >= expected, 15_000);
    const cpuPerEvent = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, round((cpuMs(pid) - cpu0[k]!) / m, 1)]));
    child.send({ cmd: 'report' });
    const rep = await waitFor('report', 60_000);
    const lat = rep.latencies.sort((a, b) => a - b);
    const gw = procMemMiB(s.gateway.pid);
    const art = procMemMiB(s.articles.pid);
    say(
      `delivered ${rep.delivered}/${expected}; p50 ${round(percentile(lat, 50))} ms, p99 ${round(percentile(lat, 99))} ms, max ${round(lat.at(-1) ?? NaN)} ms; client errors ${rep.errors}${rep.firstError ? ` (${rep.firstError})` : ''}`,
    );
    if (rep.errors) say(`gateway output (tail):\n${s.gateway.output().slice(-3000)}`);
    // e.g. MaxListenersExceededWarning: one listener per subscription on a shared emitter would show here.
    const warnings = s.gateway.output().match(/^.*Warning.*$/gm) ?? [];
    if (warnings.length) say(`gateway warnings (last 20 kB of output): ${[...new Set(warnings)].join(' | ')}`);
    say(`CPU ms per event: gateway ${cpuPerEvent.gateway}, articles ${cpuPerEvent.articles}, clients ${cpuPerEvent.clients}`);
    say(`gateway VmHWM ${round(gw.hwm, 1)} MiB (VmRSS ${round(gw.rss, 1)}), articles VmHWM ${round(art.hwm, 1)} MiB`);
    const line = {
      subscribers: n,
      delivered: rep.delivered,
      expected,
      p99Ms: round(percentile(lat, 99)),
      p50Ms: round(percentile(lat, 50)),
      maxMs: round(lat.at(-1) ?? NaN),
      gatewayRssMiB: round(gw.hwm, 1),
      gatewayRssNowMiB: round(gw.rss, 1),
      articlesRssMiB: round(art.hwm, 1),
      events: m,
      intervalMs: interval,
      allWarm,
      clientErrors: rep.errors,
      cpuMsPerEvent: cpuPerEvent,
      client: values.client,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return rep.delivered === expected && rep.errors === 0 ? 0 : 1;
  } finally {
    if (child.exitCode === null) {
      child.send({ cmd: 'stop' });
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    await s.stop();
  }
}
