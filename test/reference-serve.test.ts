// The reference registry as a process: its --help names every flag, and an unknown flag is a usage error.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [
    '--experimental-strip-types',
    '--no-warnings',
    'reference/serve.ts',
    ...args,
  ]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

it('--help lists every flag and exits 0', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(0);
  for (const flag of [
    '--port',
    '--user',
    '--public',
    '--cors',
    '--mode',
    '--auth',
    '--separate-token-server',
    '--blob-redirect',
    '--redirect-to',
    '--signing-algorithm',
    '--key-in-x5c',
    '--expiry-leeway',
    '--token-lifetime',
    '--cert-out',
    '--quiet',
    '--help',
  ]) {
    expect(stdout).toContain(flag);
  }
});

it('an unknown flag is a usage error (exit 2) that shows the help', async () => {
  const { code, stderr } = await run(['--bogus']);
  expect(code).toBe(2);
  expect(stderr).toContain("Unknown option '--bogus'");
  expect(stderr).toContain('Usage: node reference/serve.ts');
});
