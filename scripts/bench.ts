// `npm run bench -- <name> [args]`: dispatches to a package's benchmark. Each ends with one JSON line.
import { runApiBench } from '../apps/gateway/bench/api';
import { runArchiveBench } from '../apps/gateway/bench/archive';
import { runHostileBench } from '../apps/gateway/bench/hostile';
import { runSubscriptionsBench } from '../apps/gateway/bench/subscriptions';
import { runTakedownAbuseBench } from '../apps/compliance/bench/takedown-abuse';
import { runFeedsBench } from '../apps/workers/bench/feeds';
import { runTakedownBench } from '../apps/workers/bench/takedown';
import { runWebSubBench } from '../apps/workers/bench/websub';
import { runExtractBench } from '../packages/extract/bench/run';
import { runReaderBench } from '../apps/reader/bench/reader';

const BENCHES: Record<string, (argv: string[]) => Promise<number>> = {
  extract: runExtractBench,
  feeds: runFeedsBench,
  api: runApiBench,
  subscriptions: runSubscriptionsBench,
  hostile: runHostileBench,
  takedown: runTakedownBench,
  'takedown-abuse': runTakedownAbuseBench,
  archive: runArchiveBench,
  websub: runWebSubBench,
  reader: runReaderBench,
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const run = name ? BENCHES[name] : undefined;
  if (!run) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [args]\n`);
    return 2;
  }
  return run(rest);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => (console.error(err), process.exit(1)),
);
