/**
 * What the articles' query indexes cost FerretDB v1 on writes: the same inserts and extraction-
 * sized updates into a collection with only the unique urlKey index (the baseline) and into one
 * with every index articleSchema declares, alternating, on a FerretDB of its own (its CPU read
 * from /proc). Prints one JSON line per variant run, then a final summary line.
 *
 *   node --import tsx packages/store/bench/ferretdb-indexes.ts [--docs 1500] [--rounds 2]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureStack, stackPaths } from '@newsline/embedded-stack';
import mongoose from 'mongoose';
import { articleSchema } from '../src';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '1500' }, rounds: { type: 'string', default: '2' } } });
const N = Number(values.docs);
const ROUNDS = Number(values.rounds);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
const text = () => Array.from({ length: 3000 }, () => words[Math.floor(Math.random() * words.length)]).join(' ');

async function main() {
  const data = mkdtempSync(join(tmpdir(), 'newsline-idxbench-'));
  const port = await freePort();
  const paths = { ...stackPaths(), data, logs: join(data, 'logs'), stateFile: join(data, 'stack.json') };
  const stack = await ensureStack({ paths, env: { PATH: process.env.PATH, NEWSLINE_FERRETDB_PORT: String(port), NEWSLINE_REDIS_PORT: String(await freePort()) }, log: () => {} });
  const pid = execFileSync('pgrep', ['-f', `listen-addr=127.0.0.1:${port}`]).toString().trim().split('\n')[0];
  const cpuSec = () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const client = await new mongoose.mongo.MongoClient(stack.mongoUrl).connect();
  const results: { indexes: boolean; updateCpuSec: number; updateMs: number }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const indexes of [false, true]) {
        const col = client.db('idxbench').collection(`r${round}_${indexes ? 'all' : 'unique'}`);
        for (const [keys, options] of articleSchema.indexes()) {
          if (indexes || options?.unique) await col.createIndex(keys as Record<string, 1 | -1>, { unique: !!options?.unique });
        }
        for (let b = 0; b < N; b += 50) {
          await col.insertMany(
            Array.from({ length: Math.min(50, N - b) }, (_, i) => ({
              _id: `a${b + i}` as never,
              urlKey: `k${b + i}`,
              title: 'pending',
              publishedAt: new Date(),
              sourceId: `s${i % 10}`,
              language: 'en',
              terms: words.slice(0, 20),
              extraction: { status: 'pending' },
            })),
          );
        }
        // The extraction write: a ~20 KB body and text, a few hundred terms, 16 at a time like the workers.
        const c0 = cpuSec();
        const t0 = Date.now();
        const inFlight: Promise<unknown>[] = [];
        for (let i = 0; i < N; i++) {
          const t = text();
          inFlight.push(
            col.updateOne(
              { _id: `a${i}` as never },
              { $set: { body: `<p>${t}</p>`, text: t, terms: [...new Set(t.split(' '))].slice(0, 400), storyId: `st${i}`, 'extraction.status': 'ok' }, $inc: { version: 1 } },
            ),
          );
          if (inFlight.length >= 16) await Promise.all(inFlight.splice(0));
        }
        await Promise.all(inFlight);
        const r = { indexes, updateCpuSec: Math.round((cpuSec() - c0) * 100) / 100, updateMs: Date.now() - t0 };
        results.push(r);
        console.log(JSON.stringify({ round, docs: N, ...r }));
      }
    }
  } finally {
    await client.close();
    await stack.stop();
    rmSync(data, { recursive: true, force: true });
  }
  const sum = (ix: boolean, k: 'updateCpuSec' | 'updateMs') => results.filter((r) => r.indexes === ix).reduce((a, r) => a + r[k], 0);
  console.log(
    JSON.stringify({
      docs: N,
      rounds: ROUNDS,
      uniqueOnlyCpuSec: Math.round(sum(false, 'updateCpuSec') * 100) / 100,
      allIndexesCpuSec: Math.round(sum(true, 'updateCpuSec') * 100) / 100,
      cpuRatio: Math.round((sum(true, 'updateCpuSec') / sum(false, 'updateCpuSec')) * 100) / 100,
      wallRatio: Math.round((sum(true, 'updateMs') / sum(false, 'updateMs')) * 100) / 100,
    }),
  );
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
