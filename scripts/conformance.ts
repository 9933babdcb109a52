// `npm run conformance -- <suite> --corpus <dir> [--json]`: dispatches to a package's runner.
import { runFeedConformance } from '../packages/feeds/conformance/run';

const SUITES: Record<string, (argv: string[]) => Promise<number>> = { feeds: runFeedConformance };

async function main(): Promise<number> {
  const [suite, ...rest] = process.argv.slice(2);
  const run = suite ? SUITES[suite] : undefined;
  if (!run) {
    process.stderr.write(`usage: npm run conformance -- <${Object.keys(SUITES).join('|')}> --corpus <dir> [--json]\n`);
    return 2;
  }
  return run(rest);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => (console.error(err), process.exit(1)),
);
