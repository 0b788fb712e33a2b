// README's first command keeps working: the demo runs the main job end to end with the expected round trips.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('pushes, pulls cold and warm, lists tags and reaches a second repository in 12 requests', async () => {
    const root = new URL('..', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', 'examples/demo.ts'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(stdout).toContain('=> 200, 1 layer  [3 requests: 1 token, 1 × 401]');
    expect(stdout).toContain('=> 200  [1 request: 0 token, 0 × 401]');
    expect(stdout).toContain('=> 201  [2 requests: 1 token, 0 × 401]');
    expect(stdout).toContain('Done: 12 HTTP requests in all, 3 tokens issued.');
    expect(stdout).not.toContain('alice-password');
  });
});
