// `npm run bench` writes its results to bench/output/ (git-ignored) and leaves the recorded figures under
// bench/results/ alone unless told `--save`.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const bench = (...args: string[]) =>
  spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', 'bench/run.ts', ...args],
    { cwd: root, encoding: 'utf8' },
  );
const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });

describe('bench results', () => {
  it('a run writes bench/output/, which git ignores, and changes no tracked file', () => {
    const recorded = readFileSync(join(root, 'bench/results/challenge-parse.json'), 'utf8');
    const started = Date.now();
    const run = bench('parse', '--quick');

    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`saved ${join(root, 'bench/output/challenge-parse.json')}`);
    expect(statSync(join(root, 'bench/output/challenge-parse.json')).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    expect(git('check-ignore', 'bench/output/challenge-parse.json').status).toBe(0);
    expect(readFileSync(join(root, 'bench/results/challenge-parse.json'), 'utf8')).toBe(recorded);
  });

  it('--quick --save is refused with one line: smoke tests never become the recorded figures', () => {
    const run = bench('parse', '--quick', '--save');
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: '--quick runs are smoke tests: they never update the recorded figures (drop --save).\n',
    });
  });
});
