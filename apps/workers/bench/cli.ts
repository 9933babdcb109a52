import { runFeedsBench } from './feeds';

runFeedsBench(process.argv.slice(2)).then(
  (c) => process.exit(c),
  (e: unknown) => (console.error(e), process.exit(1)),
);
