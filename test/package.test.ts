// The packed tarball, installed into a fresh project, works from both `import` and `require()`, its
// `oci-auth-fetch` command runs from node_modules/.bin, its types resolve under every TypeScript module
// resolution, and it carries the license and the documents the README links to.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceRegistry } from '../reference/registry.ts';
import type { ReferenceRegistry } from '../reference/registry.ts';
import { createAuthFetch } from '../src/index.ts';
import { installPackedTarball, repoRoot } from './runtimes/packed.ts';
import type { PackedProject } from './runtimes/packed.ts';

let project: PackedProject;
let dir: string;
let registry: ReferenceRegistry;

beforeAll(async () => {
  project = installPackedTarball('oci-auth-fetch-pack-');
  dir = project.dir;
  registry = await startReferenceRegistry({
    users: { alice: 'pw' },
    repositories: { 'library/hello': { public: true, acl: { alice: ['pull', 'push'] } } },
  });
  // Publish a manifest for the consumers to pull anonymously.
  const push = createAuthFetch({ credentials: { username: 'alice', password: 'pw' } });
  const put = await push(`${registry.url}/v2/library/hello/manifests/latest`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [],
    }),
  });
  expect(put.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await registry?.close();
  project?.remove();
});

// Each consumer pulls a public manifest anonymously: 401, token, retry.
const body = `
  const authFetch = createAuthFetch();
  const res = await authFetch(process.argv[2]);
  const client = createRegistryClient({ registry: process.argv[3] });
  const ping = await client.get('', { throwHttpErrors: false });
  console.log(JSON.stringify({ status: res.status, types: [typeof parseChallenges, typeof MemoryTokenCache], ping: ping.status }));
`;

// Asynchronous: the registry answers from this very process while the consumer runs.
async function run(file: string, source: string): Promise<{ status: number; types: string[]; ping: number }> {
  writeFileSync(join(dir, file), source);
  const url = `${registry.url}/v2/library/hello/manifests/latest`;
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, file), url, registry.url], {
    cwd: dir,
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim());
}

describe('packed package', () => {
  it('works with import (ESM)', async () => {
    const result = await run(
      'esm.mjs',
      `import { createAuthFetch, createRegistryClient, parseChallenges, MemoryTokenCache } from 'oci-auth-fetch';\n${body}`,
    );
    expect(result).toEqual({ status: 200, types: ['function', 'function'], ping: 200 });
  });

  it('works with require() (CJS)', async () => {
    const result = await run(
      'cjs.cjs',
      `const { createAuthFetch, createRegistryClient, parseChallenges, MemoryTokenCache } = require('oci-auth-fetch');\n(async () => {${body}})();`,
    );
    expect(result).toEqual({ status: 200, types: ['function', 'function'], ping: 200 });
  });

  it('installs the oci-auth-fetch command, which pulls through the chunks it shares with the library', async () => {
    const url = `${registry.url}/v2/library/hello/manifests/latest`;
    const bin = join(dir, 'node_modules', '.bin', 'oci-auth-fetch');
    const { stdout } = await promisify(execFile)(bin, [url], {
      cwd: dir,
      encoding: 'utf8',
      // No stored logins from this machine: an anonymous pull.
      env: { PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`, HOME: dir, DOCKER_CONFIG: join(dir, 'no-docker') },
    });
    expect(JSON.parse(stdout).schemaVersion).toBe(2);
  });

  it('resolves every entry\'s types under node10 resolution ("module": "commonjs"), as older projects compile', () => {
    writeFileSync(
      join(dir, 'node10.ts'),
      [
        "import { createAuthFetch, TokenRequestError } from 'oci-auth-fetch';",
        "import { createOciClient } from 'oci-auth-fetch/oci';",
        "import { dockerCredentials } from 'oci-auth-fetch/node';",
        '// @ts-expect-error an entry the package does not have: proves that a subpath which does not resolve fails this compile',
        "import 'oci-auth-fetch/no-such-entry';",
        'const authFetch = createAuthFetch({ credentials: dockerCredentials() });',
        "export const client = createOciClient({ registry: 'registry.example', authFetch });",
        "export const code: TokenRequestError['code'] = 'TOKEN_DENIED';",
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          // node10 is deprecated as of TypeScript 6, and still what TypeScript 5 uses for "module": "commonjs".
          ignoreDeprecations: '6.0',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(repoRoot, 'node_modules', '@types')],
        },
        files: ['node10.ts'],
      }),
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = promisify(execFile)(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
    return expect(
      result.then(
        (r) => r.stdout,
        (e: { stdout: string }) => e.stdout,
      ),
    ).resolves.toBe('');
  });

  it('carries the MIT license', () => {
    const license = readFileSync(join(dir, 'node_modules', 'oci-auth-fetch', 'LICENSE'), 'utf8');
    expect(license.split('\n').slice(0, 3)).toEqual([
      'MIT License',
      '',
      'Copyright (c) 2026 the oci-auth-fetch authors',
    ]);
  });

  it("README links work on the npm page and from node_modules: absolute, to this version's files, which the tarball carries", () => {
    const installed = join(dir, 'node_modules', 'oci-auth-fetch');
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    const links = [...readFileSync(join(installed, 'README.md'), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].map(
      (m) => m[1]!,
    );
    // Relative links resolve against nothing on the npm page (the package names no repository).
    expect(links.filter((link) => !/^https:\/\//.test(link))).toEqual([]);
    const ownFiles = links.filter((link) => link.includes('/npm/oci-auth-fetch@'));
    expect(ownFiles.length).toBeGreaterThan(15);
    const base = `https://cdn.jsdelivr.net/npm/oci-auth-fetch@${version}/`;
    // A version bump updates the README's links with it.
    expect(ownFiles.filter((link) => !link.startsWith(base))).toEqual([]);
    expect(ownFiles.filter((link) => !existsSync(join(installed, link.slice(base.length))))).toEqual([]);
    expect(ownFiles).toContain(`${base}docs/images/browser-ui.png`);
  });
});
