import { runTakedownBench } from './takedown';

// `npx tsx bench/takedown-cli.ts [args]` until the root `npm run bench -- takedown` is wired.
runTakedownBench(process.argv.slice(2)).then(
  (c) => process.exit(c),
  (e: unknown) => (console.error(e), process.exit(1)),
);
