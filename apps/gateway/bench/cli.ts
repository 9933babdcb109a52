import { runApiBench } from './api';
import { runHostileBench } from './hostile';
import { runSubscriptionsBench } from './subscriptions';

// `npx tsx apps/gateway/bench/cli.ts api|subscriptions|hostile [args]`: the gateway benchmarks without scripts/bench.ts.
const BENCHES: Record<string, (argv: string[]) => Promise<number>> = {
  api: runApiBench,
  subscriptions: runSubscriptionsBench,
  hostile: runHostileBench,
};
const [name, ...rest] = process.argv.slice(2);
const run = name ? BENCHES[name] : undefined;
if (!run) {
  process.stderr.write(`usage: tsx apps/gateway/bench/cli.ts <${Object.keys(BENCHES).join('|')}> [args]\n`);
  process.exit(2);
}
run(rest).then(
  (c) => process.exit(c),
  (e: unknown) => (console.error(e), process.exit(1)),
);
