// `npm run bench -- <name> [args]`: dispatches to a package's benchmark. Each ends with one JSON line.
import { runFeedsBench } from '../apps/workers/bench/feeds';
import { runExtractBench } from '../packages/extract/bench/run';

const BENCHES: Record<string, (argv: string[]) => Promise<number>> = { extract: runExtractBench, feeds: runFeedsBench };

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
