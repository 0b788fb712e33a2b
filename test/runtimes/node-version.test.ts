// On a Node older than 22 every npm script stops with one line saying that Node 22 or later is needed (checked by
// hand with Debian's Node 20: `PATH=/usr/bin:/bin npm run demo`), instead of an unknown-option error or a crash.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './packed.ts';

const CHECK = 'node scripts/check-node.cjs && ';
const scripts = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Runs scripts/check-node.cjs in a Node that reports `version` as its own. */
function check(version: string) {
  const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: ${JSON.stringify(version)} } });`;
  return spawnSync(process.execPath, ['-e', `${fake} require('./scripts/check-node.cjs'); console.log('went on')`], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
}

describe('scripts on an older Node', () => {
  it('every npm script but prepare starts with the Node version check', () => {
    const unchecked = Object.entries(scripts).filter(
      ([name, command]) => name !== 'prepare' && !command.startsWith(CHECK),
    );
    expect(unchecked).toEqual([]);
  });

  it('Node 20: one line on stderr, nothing on stdout, exit code 1', () => {
    const result = check('20.20.2');
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: 'oci-auth-fetch needs Node 22 or later (this is Node 20.20.2).\n',
    });
  });

  it.each(['22.0.0', '24.21.0'])('Node %s: silent, the script goes on', (version) => {
    const result = check(version);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: 'went on\n',
      stderr: '',
    });
  });
});
