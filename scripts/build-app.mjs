// Bundles an app (run from its folder) into dist/main.js: workspace packages are inlined,
// npm dependencies stay external and are resolved from node_modules at run time.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

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
        // npm dependencies stay external when the built file can require them from the app's
        // folder at run time; ones npm nested inside a workspace package (version conflicts)
        // are bundled instead. Workspace packages are always bundled.
        const fromApp = createRequire(join(process.cwd(), 'dist', 'main.js'));
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('@newsline/')) return undefined;
          try {
            fromApp.resolve(args.path);
            return { path: args.path, external: true };
          } catch {
            return undefined;
          }
        });
      },
    },
  ],
});
console.log(`built ${pkg.name} -> dist/main.js`);
