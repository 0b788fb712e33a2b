// oci-auth-fetch URL: pulls and pushes through the built bin, credentials from a temp docker config.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../reference/registry.ts';
import { createAuthFetch } from '../../src/index.ts';
import type { AuthFetch } from '../../src/index.ts';
import { PASSWORD, run, startFixture, USER } from './harness.ts';
import type { Fixture } from './harness.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = new TextEncoder().encode('{}');
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(CONFIG), size: 2 },
  layers: [],
});
const MANIFEST_ACCEPT =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
  'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, ' +
  'application/vnd.oci.artifact.manifest.v1+json';

let fx: Fixture;
let sdk: AuthFetch;
let base: string;

beforeAll(async () => {
  fx = await startFixture();
  base = fx.registry.url;
  sdk = createAuthFetch({ credentials: { username: USER, password: PASSWORD } });
  const put = await sdk(`${base}/v2/team/app/manifests/v1`, {
    method: 'PUT',
    headers: { 'content-type': OCI_MANIFEST },
    body: MANIFEST,
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await fx?.close();
});

const lastRegistryRequest = () => fx.registry.log.filter((e) => e.server === 'registry').at(-1)!;

describe('oci-auth-fetch URL: pull', () => {
  it('pulls a manifest with the docker login and prints exactly its bytes', async () => {
    const result = await run([`${base}/v2/team/app/manifests/v1`], { env: fx.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(MANIFEST);
    expect(lastRegistryRequest().headers.accept).toBe(MANIFEST_ACCEPT);
  });

  it('takes a loopback URL without a scheme as http, and -H Accept replaces the default', async () => {
    const result = await run(['-H', `Accept: ${OCI_MANIFEST}`, `${fx.registry.host}/v2/team/app/manifests/v1`], {
      env: fx.env,
    });
    expect(result).toMatchObject({ code: 0, stdout: MANIFEST, stderr: '' });
    expect(lastRegistryRequest().headers.accept).toBe(OCI_MANIFEST);
  });

  it('writes the body to -o FILE, and -i puts the status line and headers first', async () => {
    const file = join(fx.root, 'manifest.out');
    const result = await run(['-o', file, '-i', `${base}/v2/team/app/manifests/v1`], { env: fx.env });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const written = await readFile(file, 'utf8');
    const [head, body] = written.split('\r\n\r\n');
    expect(body).toBe(MANIFEST);
    const lines = head!.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 200 OK');
    expect(lines).toContain(`content-type: ${OCI_MANIFEST}`);
    expect(lines).toContain(`docker-content-digest: ${sha256Digest(new TextEncoder().encode(MANIFEST))}`);
  });

  it('HEAD prints nothing', async () => {
    const result = await run(['-X', 'HEAD', `${base}/v2/team/app/manifests/v1`], { env: fx.env });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('oci-auth-fetch URL: push', () => {
  it('pushes a blob from stdin with a monolithic POST ?digest=', async () => {
    const blob = Buffer.from('layer bytes from stdin\n\0\x01binary');
    const digest = sha256Digest(blob);
    const result = await run(['-X', 'POST', '-d', '-', `${base}/v2/team/app/blobs/uploads/?digest=${digest}`], {
      env: fx.env,
      stdin: blob,
    });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const back = await sdk(`${base}/v2/team/app/blobs/${digest}`);
    expect(back.status).toBe(200);
    expect(Buffer.from(await back.arrayBuffer())).toEqual(blob);
  });

  it('pushes a blob from a file with POST then PUT to the Location read with -i', async () => {
    const blob = Buffer.from('layer bytes from a file');
    const digest = sha256Digest(blob);
    const file = join(fx.root, 'layer.bin');
    await writeFile(file, blob);

    const started = await run(['-i', '-X', 'POST', `${base}/v2/team/app/blobs/uploads/`], { env: fx.env });
    expect(started.code).toBe(0);
    expect(started.stdout.split('\r\n')[0]).toBe('HTTP/1.1 202 Accepted');
    const location = /^location: (.+)$/m.exec(started.stdout)![1]!.trim();
    expect(location).toMatch(/^\/v2\/team\/app\/blobs\/uploads\/[\w-]+$/);

    const done = await run(['-i', '-X', 'PUT', '-d', `@${file}`, `${base}${location}?digest=${digest}`], {
      env: fx.env,
    });
    expect(done.code).toBe(0);
    expect(done.stderr).toBe('');
    expect(done.stdout.split('\r\n')[0]).toBe('HTTP/1.1 201 Created');
    expect(done.stdout).toContain(`\r\nlocation: /v2/team/app/blobs/${digest}\r\n`);
    const back = await sdk(`${base}/v2/team/app/blobs/${digest}`);
    expect(Buffer.from(await back.arrayBuffer())).toEqual(blob);
  });

  it('pushes a manifest with -X PUT, a Content-Type and literal -d text', async () => {
    const result = await run(
      ['-X', 'PUT', '-H', `Content-Type: ${OCI_MANIFEST}`, '-d', MANIFEST, `${base}/v2/team/app/manifests/v2`],
      { env: fx.env },
    );
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const back = await sdk(`${base}/v2/team/app/manifests/v2`, { headers: { accept: OCI_MANIFEST } });
    expect(back.headers.get('content-type')).toBe(OCI_MANIFEST);
    expect(await back.text()).toBe(MANIFEST);
  });
});

describe('oci-auth-fetch URL: credentials', () => {
  it('-u USER takes the password from OCI_AUTH_PASSWORD, over an anonymous config', async () => {
    const result = await run(['-u', USER, `${base}/v2/team/app/manifests/v1`], {
      env: { ...fx.anonymousEnv, OCI_AUTH_PASSWORD: PASSWORD },
    });
    expect(result).toMatchObject({ code: 0, stdout: MANIFEST, stderr: '' });
  });

  it('-u USER --password-stdin reads the password from stdin without its newline', async () => {
    const result = await run(['-u', USER, '--password-stdin', `${base}/v2/team/app/manifests/v1`], {
      env: fx.anonymousEnv,
      stdin: `${PASSWORD}\n`,
    });
    expect(result).toMatchObject({ code: 0, stdout: MANIFEST, stderr: '' });
  });

  it('-u USER:PASS works and overrides the docker login', async () => {
    const result = await run(['-u', `${USER}:${PASSWORD}`, `${base}/v2/team/app/manifests/v1`], {
      env: fx.anonymousEnv,
    });
    expect(result).toMatchObject({ code: 0, stdout: MANIFEST, stderr: '' });
  });

  it('a wrong password exits 3 with the realm refusal, and never shows the password', async () => {
    const result = await run(['-u', `${USER}:wrong-password-123`, `${base}/v2/team/app/manifests/v1`], { env: fx.env });
    expect(result).toEqual({
      code: 3,
      stdout: '',
      stdoutBytes: Buffer.alloc(0),
      stderr:
        `oci-auth-fetch: authentication failed: The token endpoint ${base}/token refused the credentials of user "alice" ` +
        '(HTTP 401 UNAUTHORIZED: authentication required). Check the username and password or token, and that the ' +
        'account may access the requested scopes.\n',
    });
  });

  it('anonymous access to a private repository exits 3 (final 401)', async () => {
    const result = await run([`${base}/v2/team/app/manifests/v1`], { env: fx.anonymousEnv });
    expect(result).toMatchObject({
      code: 3,
      stdout: '',
      stderr:
        `oci-auth-fetch: authentication failed: HTTP 401 Unauthorized from GET ${base}/v2/team/app/manifests/v1 ` +
        '(UNAUTHORIZED: authentication required). Log in with docker login or podman login, or pass -u\n',
    });
  });

  it('a credential helper that is not installed exits 3 with the helper error', async () => {
    const docker = join(fx.root, 'docker-helper');
    await mkdir(docker, { recursive: true });
    await writeFile(
      join(docker, 'config.json'),
      JSON.stringify({ credHelpers: { [fx.registry.host]: 'absent-helper' } }),
    );
    const result = await run([`${base}/v2/team/app/manifests/v1`], { env: { ...fx.env, DOCKER_CONFIG: docker } });
    expect(result).toMatchObject({
      code: 3,
      stdout: '',
      stderr:
        `oci-auth-fetch: authentication failed: Credential helper docker-credential-absent-helper for registry ${fx.registry.host} ` +
        'is not installed (not found on PATH); install it or remove it from the config.\n',
    });
  });

  it('anonymous access to a public repository works', async () => {
    const put = await sdk(`${base}/v2/public/hello/manifests/latest`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: MANIFEST,
    });
    expect(put.status).toBe(201);
    const result = await run([`${base}/v2/public/hello/manifests/latest`], { env: fx.anonymousEnv });
    expect(result).toMatchObject({ code: 0, stdout: MANIFEST, stderr: '' });
  });
});

describe('oci-auth-fetch URL: HTTP errors', () => {
  it('exits 1 on a 404, writes nothing, and says what the registry said', async () => {
    const file = join(fx.root, 'missing.out');
    const result = await run(['-o', file, `${base}/v2/team/app/manifests/nope`], { env: fx.env });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `oci-auth-fetch: HTTP 404 Not Found from GET ${base}/v2/team/app/manifests/nope (MANIFEST_UNKNOWN: manifest unknown)\n`,
    });
    expect(existsSync(file)).toBe(false);
  });

  it('--no-fail writes the error body and exits 0', async () => {
    const result = await run(['--no-fail', `${base}/v2/team/app/manifests/nope`], { env: fx.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { reference: 'nope' } }],
    });
  });

  it('exits 4 when nothing complete arrives within --max-time', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const result = await run(['-m', '0.3', `http://127.0.0.1:${port}/v2/`], { env: fx.env });
      expect(result).toMatchObject({
        code: 4,
        stdout: '',
        stderr: 'oci-auth-fetch: no complete answer within 0.3 s (--max-time)\n',
      });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('exits 4 when the registry cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await run([`http://127.0.0.1:${port}/v2/`], { env: fx.env });
    expect(result).toMatchObject({
      code: 4,
      stdout: '',
      stderr: `oci-auth-fetch: request failed: fetch failed (connect ECONNREFUSED 127.0.0.1:${port})\n`,
    });
  });
});
