// The runtime matrix: the packed tarball, installed into a fresh project, runs the same scenario (scenario.mjs)
// in Node 22, the Node running this suite, Bun, Deno and workerd, against the reference registry on 127.0.0.1.
// Every runtime comes from node_modules (pinned devDependencies); nothing is downloaded here. Each step's
// requests are counted on the registry's log, split by the scenario's step markers.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry, RequestLogEntry } from '../../reference/registry.ts';
import { createAuthFetch } from '../../src/index.ts';
import { line } from '../browser/support/log.ts';
import { installPackedTarball, repoRoot } from './packed.ts';
import type { PackedProject } from './packed.ts';

const ALICE = { username: 'alice', password: 'alice-secret' };
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const bin = (path: string) => join(repoRoot, 'node_modules', path);
const NODE22 = bin('node22/bin/node');
const BUN = bin('@oven/bun-linux-x64/bin/bun');
const DENO = bin('@deno/linux-x64-glibc/deno');
/** workerd's compatibility date: the date of the pinned workerd release. */
const WORKERD_DATE = '2026-07-30';

interface Results {
  cold: { status: number; schemaVersion?: number };
  warm: { status: number; schemaVersion?: number };
  concurrent: { statuses: number[]; count: number };
  push: { start: number; put: number; digest: string; stored: string | null };
  anonymous: { status: number; schemaVersion?: number };
  wrongPassword: Record<string, unknown>;
}

interface Runtime {
  name: string;
  run(dir: string, registry: string): Promise<Results>;
}

const versionOf = (file: string, ...args: string[]) =>
  execFileSync(file, [...args, '--version'], { encoding: 'utf8' }).trim();

/** Node, Bun and Deno run main.mjs in the consumer project, with no environment beyond what they need. */
function commandLine(name: string, file: string, args: string[], env: Record<string, string> = {}): Runtime {
  return {
    name,
    async run(dir, registry) {
      const { stdout } = await promisify(execFile)(
        file,
        [...args, 'main.mjs', registry, ALICE.username, ALICE.password],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1', ...env },
        },
      );
      return JSON.parse(stdout.trim()) as Results;
    },
  };
}

/** workerd through miniflare: worker.mjs bundled with esbuild the way wrangler does, without nodejs_compat. */
const workerd: Runtime = {
  name: `workerd ${WORKERD_DATE} (miniflare)`,
  async run(dir, registry) {
    const bundle = await build({
      entryPoints: [join(dir, 'worker.mjs')],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['workerd', 'worker', 'browser'],
      logLevel: 'silent',
    });
    const miniflare = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      compatibilityDate: WORKERD_DATE,
    });
    try {
      const query = new URLSearchParams({ registry, user: ALICE.username, password: ALICE.password });
      const res = await miniflare.dispatchFetch(`http://worker.test/?${query}`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`the worker answered ${res.status}: ${text}`);
      return JSON.parse(text) as Results;
    } finally {
      await miniflare.dispose();
    }
  },
};

const RUNTIMES: Runtime[] = [
  commandLine(`Node ${versionOf(NODE22).slice(1)}`, NODE22, []),
  commandLine(`Node ${process.versions.node} (the Node running the tests)`, process.execPath, []),
  commandLine(`Bun ${versionOf(BUN)}`, BUN, ['--no-install'], { DO_NOT_TRACK: '1' }),
  commandLine(
    `Deno ${versionOf(DENO).split(/\s/)[1]}`,
    DENO,
    ['run', '--no-lock', '--no-prompt', '--allow-net=127.0.0.1'],
    {
      DENO_NO_UPDATE_CHECK: '1',
    },
  ),
  workerd,
];

/** Each step's requests, as "<server> <METHOD> <path> <status> <auth>" (upload ids replaced by <id>). */
function requestsByStep(log: RequestLogEntry[]): Record<string, string[]> {
  const steps: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const entry of log) {
    const marker = /^\/__step\/(\w+)$/.exec(entry.path);
    if (marker) steps[marker[1]!] = current = [];
    else if (current) current.push(line(entry).replace(/\/uploads\/[0-9a-f-]{36} /, '/uploads/<id> '));
    else throw new Error(`a request before the first step: ${line(entry)}`);
  }
  return steps;
}

const manifest = (repo: string) => `registry GET /v2/${repo}/manifests/latest`;

const EXPECTED_REQUESTS: Record<keyof Results, string[]> = {
  cold: [`${manifest('team/app')} 401 -`, 'token GET /token 200 Basic alice', `${manifest('team/app')} 200 Bearer`],
  warm: [`${manifest('team/app')} 200 Bearer`],
  concurrent: [
    `${manifest('team/app')} 401 -`,
    'token GET /token 200 Basic alice',
    ...Array<string>(20).fill(`${manifest('team/app')} 200 Bearer`),
  ],
  push: [
    'registry POST /v2/team/app/blobs/uploads/ 401 -',
    'token GET /token 200 Basic alice',
    'registry POST /v2/team/app/blobs/uploads/ 202 Bearer',
    'registry PUT /v2/team/app/blobs/uploads/<id> 201 Bearer',
  ],
  anonymous: [
    `${manifest('library/hello')} 401 -`,
    'token GET /token 200 -',
    `${manifest('library/hello')} 200 Bearer`,
  ],
  wrongPassword: [`${manifest('team/app')} 401 -`, 'token GET /token 401 Basic alice'],
};

describe('runtime matrix: the packed tarball runs the same scenario everywhere', () => {
  let project: PackedProject;
  let registry: ReferenceRegistry;

  beforeAll(async () => {
    project = installPackedTarball('oci-auth-fetch-runtimes-', { type: 'module' });
    for (const file of ['scenario.mjs', 'main.mjs', 'worker.mjs'])
      copyFileSync(new URL(file, import.meta.url), join(project.dir, file));
    registry = await startReferenceRegistry({
      users: { alice: ALICE.password },
      repositories: { 'library/hello': { public: true, acl: { alice: ['*'] } }, 'team/app': { acl: { alice: ['*'] } } },
    });
    const push = createAuthFetch({ credentials: ALICE });
    for (const repo of ['library/hello', 'team/app']) {
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          size: 2,
        },
        layers: [],
      });
      const res = await push(`${registry.url}/v2/${repo}/manifests/latest`, {
        method: 'PUT',
        headers: { 'content-type': MANIFEST },
        body,
      });
      expect(res.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await registry?.close();
    project?.remove();
  });

  it.each(RUNTIMES)(
    '$name',
    async (runtime) => {
      registry.clearLog();
      const results = await runtime.run(project.dir, registry.url);

      expect(results).toEqual({
        cold: { status: 200, schemaVersion: 2 },
        warm: { status: 200, schemaVersion: 2 },
        concurrent: { statuses: [200], count: 20 },
        push: {
          start: 202,
          put: 201,
          digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
          stored: results.push.digest,
        },
        anonymous: { status: 200, schemaVersion: 2 },
        wrongPassword: { name: 'TokenRequestError', code: 'TOKEN_DENIED', status: 401, isOciAuthError: true },
      });
      const steps = requestsByStep(registry.log);
      expect(steps).toEqual(EXPECTED_REQUESTS);
      expect(Object.fromEntries(Object.entries(steps).map(([step, requests]) => [step, requests.length]))).toEqual({
        cold: 3,
        warm: 1,
        concurrent: 22,
        push: 4,
        anonymous: 3,
        wrongPassword: 2,
      });
    },
    60_000,
  );

  it('keeps the pinned Node 22 off the PATH of npm scripts', () => {
    expect(existsSync(bin('.bin/node'))).toBe(false);
    const seen = execFileSync('npm', ['exec', '--', 'node', '-p', 'process.execPath'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    expect(realpathSync(seen).startsWith(join(repoRoot, 'node_modules'))).toBe(false);
  });

  it('every npm script first removes the link to the pinned Node 22 that npm makes again on each install', () => {
    // A copy of the project's layout: scripts/check-node.cjs next to a node_modules/.bin/node that is Node 22.
    const tree = mkdtempSync(join(tmpdir(), 'oci-auth-fetch-node-link-'));
    try {
      mkdirSync(join(tree, 'scripts'));
      mkdirSync(join(tree, 'node_modules', '.bin'), { recursive: true });
      copyFileSync(join(repoRoot, 'scripts', 'check-node.cjs'), join(tree, 'scripts', 'check-node.cjs'));
      symlinkSync(NODE22, join(tree, 'node_modules', '.bin', 'node'));
      const PATH = `${join(tree, 'node_modules', '.bin')}:${dirname(process.execPath)}:/usr/bin:/bin`;
      const version = () => execFileSync('node', ['--version'], { env: { PATH }, encoding: 'utf8' }).trim();
      expect(version()).toBe('v22.23.5');

      const check = spawnSync('node', ['scripts/check-node.cjs'], { cwd: tree, env: { PATH }, encoding: 'utf8' });

      expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      });
      expect(version()).toBe(process.version);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
