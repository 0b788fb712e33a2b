// Runs the built bin (dist/cli.js) as a child process against the reference registry of this process.
// Asynchronous on purpose: the registry answers from this very process while the child runs.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const PASSWORD = 'cli-pass-very-secret';
export const USER = 'alice';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string | Buffer;
  cwd?: string;
  /**
   * Let the command use its token cache file (test/cli/cache.test.ts). Off by default (OCI_AUTH_FETCH_NO_CACHE), so
   * that each run of the other tests pays its own round trips, and nothing is written under a real home folder.
   */
  cache?: boolean;
}

/** `node dist/cli.js ...args`; stdin is always closed (empty unless given). */
export function run(args: string[], options: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const env = options.cache ? (options.env ?? {}) : { OCI_AUTH_FETCH_NO_CACHE: '1', ...options.env };
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env, cwd: options.cwd, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`cli did not exit normally: ${error.message}\n${stderr.toString()}`));
          return;
        }
        resolve({
          code: error ? (error.code as number) : 0,
          stdout: stdout.toString('utf8'),
          stderr: stderr.toString('utf8'),
          stdoutBytes: stdout,
        });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

export interface Fixture {
  registry: ReferenceRegistry;
  root: string;
  /** HOME and DOCKER_CONFIG (holding alice's `docker login`), PATH; nothing else from this process. */
  env: NodeJS.ProcessEnv;
  /** Same, with an empty docker config: anonymous. */
  anonymousEnv: NodeJS.ProcessEnv;
  /** Every Bearer token the registry saw, and the password forms: none may appear in -v output. */
  secrets(): string[];
  close(): Promise<void>;
}

/**
 * Private `team/app` (alice: pull, push), public `public/hello`; alice logged in via config.json.
 * Blob GETs redirect to a storage server with a signed URL (`?sig=`), as S3-backed registries do.
 */
export async function startFixture(): Promise<Fixture> {
  const registry = await startReferenceRegistry({
    blobRedirect: true,
    users: { [USER]: PASSWORD },
    repositories: {
      'team/app': { acl: { [USER]: ['pull', 'push'] } },
      'public/hello': { public: true, acl: { [USER]: ['pull', 'push'] } },
    },
  });
  const root = await mkdtemp(join(tmpdir(), 'oci-auth-cli-'));
  const docker = join(root, 'docker');
  const empty = join(root, 'docker-empty');
  await mkdir(docker, { recursive: true });
  await mkdir(empty, { recursive: true });
  await mkdir(join(root, 'home'), { recursive: true });
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  await writeFile(join(docker, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  const base = { HOME: join(root, 'home'), PATH: process.env.PATH ?? '/usr/bin:/bin' };
  return {
    registry,
    root,
    env: { ...base, DOCKER_CONFIG: docker },
    anonymousEnv: { ...base, DOCKER_CONFIG: empty },
    secrets() {
      const tokens = registry.log
        .map((entry) => entry.headers.authorization ?? '')
        .filter((value) => value.startsWith('Bearer '))
        .map((value) => value.slice('Bearer '.length));
      return [PASSWORD, auth, ...new Set(tokens)];
    },
    async close() {
      await registry.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
