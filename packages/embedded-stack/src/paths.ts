import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The monorepo root: the nearest folder up whose package.json declares workspaces. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).workspaces) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no workspace root above ${from}`);
    dir = up;
  }
}

export interface StackPaths {
  root: string;
  tools: string;
  data: string;
  logs: string;
  stateFile: string;
}

export function stackPaths(root = repoRoot()): StackPaths {
  const data = process.env.NEWSLINE_DATA_DIR ?? join(root, '.data');
  return { root, tools: join(root, '.tools'), data, logs: join(data, 'logs'), stateFile: join(data, 'stack.json') };
}
