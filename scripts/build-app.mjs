// Bundles an app (run from its folder) into dist/main.js: workspace packages are inlined,
// npm dependencies stay external and are resolved from node_modules at run time.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'externals',
      setup(b) {
        // Everything that is not a relative path or one of our workspace packages stays external.
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@newsline/') ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});
console.log(`built ${pkg.name} -> dist/main.js`);
