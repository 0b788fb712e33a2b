// The package as users get it: `npm pack` of this repository, installed into a fresh project in a temporary
// folder. Needs `npm run build` first (the tarball carries dist/ as it is).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = new URL('../../', import.meta.url).pathname;

export interface PackedProject {
  /** The consumer project: package.json, node_modules/oci-auth-fetch from the tarball. */
  dir: string;
  /** The .tgz file `npm pack` wrote. */
  tarball: string;
  remove(): void;
}

export function installPackedTarball(prefix: string, manifest: Record<string, unknown> = {}): PackedProject {
  if (!existsSync(join(repoRoot, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: the packed tarball carries the build. Run `npm run build` first.');
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repoRoot, stdio: 'pipe' });
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, ...manifest }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: dir, stdio: 'pipe' });
  return { dir, tarball, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
