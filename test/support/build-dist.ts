// vitest globalSetup: the CLI, package and size tests run dist/, so dist/ is rebuilt before the run whenever it
// is missing or older than what it is built from. A fresh dist costs a few stat calls.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
/** What tsup reads: a change to any of these makes dist/ stale. */
const INPUTS = ['src', 'tsup.config.ts', 'package.json', 'tsconfig.json'];

/** Newest (or oldest) mtime of a file or of every file under a directory. */
function mtime(path: string, pick: (a: number, b: number) => number): number | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let found: number | undefined;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const ms = statSync(join(entry.parentPath, entry.name)).mtimeMs;
    found = found === undefined ? ms : pick(found, ms);
  }
  return found;
}

/** Why dist/ must be rebuilt, or undefined when it is fresh. */
export function staleness(root = ROOT): string | undefined {
  const built = mtime(join(root, 'dist'), Math.min);
  if (built === undefined) return 'dist/ is missing';
  const source = Math.max(...INPUTS.map((input) => mtime(join(root, input), Math.max) ?? 0));
  return source > built ? 'dist/ is older than src/' : undefined;
}

export default function setup(): void {
  if (process.env.OCI_AUTH_FETCH_SKIP_BUILD === '1') return;
  const why = staleness();
  if (!why) return;
  console.log(`[build-dist] ${why}: building (npm run build) before the tests run`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const still = staleness();
  if (still) throw new Error(`[build-dist] the build left dist/ stale (${still})`);
}
