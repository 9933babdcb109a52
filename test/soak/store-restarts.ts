// Does a store under load recover from FerretDB restarts? A mongoose store with 24 concurrent
// operation loops (updates by _id, filtered finds, lookups) while FerretDB is restarted N times;
// after each restart, 50 operations must succeed again within 60 s. Before the driver patch
// (patches/README.md) the client wedged for good within 5–11 restarts.
//   node --import tsx test/soak/store-restarts.ts [restarts=40]
// Prints one line per restart and a final JSON line; exits 1 when the store did not recover.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureStack, stackPaths } from '@newsline/embedded-stack';
import { createStore } from '@newsline/store';
import { freePort } from './procs';

const RECOVER_OPS = 50;
const RECOVER_MS = 60_000;

async function main(): Promise<number> {
  const restarts = Number(process.argv[2] ?? 40);
  if (!Number.isInteger(restarts) || restarts < 1) throw new Error(`restarts must be a positive integer, got "${process.argv[2]}"`);
  const data = mkdtempSync(join(tmpdir(), 'newsline-store-restarts-'));
  const paths = { ...stackPaths(), data, logs: join(data, 'logs'), stateFile: join(data, 'stack.json') };
  const env = {
    PATH: process.env.PATH,
    NEWSLINE_FERRETDB_PORT: String(await freePort()),
    NEWSLINE_REDIS_PORT: String(await freePort()),
    NEWSLINE_POSTGRES_PORT: String(await freePort()),
    // Its own mail catcher too: the launcher's (npm test) holds the default ports.
    NEWSLINE_MAILPIT_SMTP_PORT: String(await freePort()),
    NEWSLINE_MAILPIT_HTTP_PORT: String(await freePort()),
  };
  const stack = await ensureStack({ paths, env, log: () => {} });
  const store = await createStore(stack.mongoUrl);
  const things = store.conn.collection<{ _id: string; n: number }>('things');
  await things.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: `t${i}`, n: i })));

  let ok = 0;
  let stop = false;
  const errors = new Map<string, number>();
  const loops = Array.from({ length: 24 }, async (_, k) => {
    while (!stop) {
      try {
        if (k % 3 === 0) await things.updateOne({ _id: `t${k}` }, { $inc: { n: 1 } });
        else if (k % 3 === 1) await things.find({ n: { $gte: 0 } }).limit(50).toArray();
        else await store.Article.findById('000000000000000000000000').lean();
        ok++;
      } catch (e) {
        const key = (e as Error).name;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        await sleep(200);
      }
    }
  });

  const recoveryMs: number[] = [];
  let stuck = false;
  for (let i = 0; i < restarts && !stuck; i++) {
    await sleep(3000 + Math.random() * 4000);
    const t = Date.now();
    await stack.restart('ferretdb');
    const before = ok;
    while (ok - before < RECOVER_OPS && Date.now() - t < RECOVER_MS) await sleep(50);
    stuck = ok - before < RECOVER_OPS;
    recoveryMs.push(Date.now() - t);
    console.log(`restart ${i + 1}: ${stuck ? `NOT recovered within ${RECOVER_MS} ms` : `recovered in ${Date.now() - t} ms`}; errors ${JSON.stringify(Object.fromEntries(errors))}`);
    errors.clear();
  }
  stop = true;
  await Promise.race([Promise.all(loops), sleep(5000)]);
  await store.close().catch(() => undefined);
  await stack.stop();
  rmSync(data, { recursive: true, force: true });
  const sorted = [...recoveryMs].sort((a, b) => a - b);
  console.log(JSON.stringify({ restarts: recoveryMs.length, recovered: recoveryMs.length - (stuck ? 1 : 0), stuck, maxRecoveryMs: sorted[sorted.length - 1] ?? null, operations: ok }));
  return stuck ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
