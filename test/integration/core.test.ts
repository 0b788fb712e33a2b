// The auth fetch against the embedded reference registry over loopback: real HTTP, real JWTs, counted round trips.

import { afterEach, describe, expect, it } from 'vitest';
import { sha256Digest, startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry, ReferenceRegistryOptions } from '../../reference/registry.ts';
import { createAuthFetch, createRegistryClient, TokenRequestError } from '../../src/index.ts';
import { Observed } from '../support/secrets.ts';

const PASSWORD = 'integration-secret-pw';
let registry: ReferenceRegistry | undefined;

async function start(options: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  registry = await startReferenceRegistry({
    users: { alice: PASSWORD, reader: PASSWORD },
    repositories: {
      'library/hello': { public: true, acl: { alice: ['pull', 'push', 'delete'] } },
      'library/world': { public: true, acl: { alice: ['pull', 'push'] } },
      'team/private': { acl: { alice: ['pull', 'push'], reader: ['pull'] } },
    },
    ...options,
  });
  return registry;
}

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.empty.v1+json',
    digest: sha256Digest(new TextEncoder().encode('{}')),
    size: 2,
  },
  layers: [],
});

async function seed(r: ReferenceRegistry, repo: string): Promise<void> {
  const push = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
  const res = await push(`${r.url}/v2/${repo}/manifests/latest`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: MANIFEST,
  });
  expect(res.status).toBe(201);
  r.clearLog();
}

const lines = (r: ReferenceRegistry) => r.log.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`);

describe('against the reference registry', () => {
  it('anonymous pull of a public repository: 3 round trips cold, 1 warm, 2 for another repository', async () => {
    const r = await start();
    await seed(r, 'library/hello');
    await seed(r, 'library/world');
    const authFetch = createAuthFetch();
    const res = await authFetch(`${r.url}/v2/library/hello/manifests/latest`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(MANIFEST);
    expect(lines(r)).toEqual([
      'registry GET /v2/library/hello/manifests/latest 401',
      'token GET /token 200',
      'registry GET /v2/library/hello/manifests/latest 200',
    ]);
    r.clearLog();
    await authFetch(`${r.url}/v2/library/hello/manifests/latest`);
    expect(r.counts()).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
    r.clearLog();
    expect((await authFetch(`${r.url}/v2/library/world/manifests/latest`)).status).toBe(200);
    expect(lines(r)).toEqual(['token GET /token 200', 'registry GET /v2/library/world/manifests/latest 200']);
  });

  it('authenticated push and pull through the ky client, a pull after push costing no token', async () => {
    const r = await start();
    const client = createRegistryClient({ registry: r.url, credentials: { username: 'alice', password: PASSWORD } });
    const blob = new TextEncoder().encode('layer-bytes');
    const digest = sha256Digest(blob);
    const put = await client.post(`team/private/blobs/uploads/?digest=${encodeURIComponent(digest)}`, { body: blob });
    expect(put.status).toBe(201);
    // ky hands the auth fetch a Request (a stream body): auth is learnt first by GET /v2/, the body sent once.
    expect(lines(r)).toEqual([
      'registry GET /v2/ 401',
      'token GET /token 200',
      `registry POST /v2/team/private/blobs/uploads/ 201`,
    ]);
    r.clearLog();
    const got = await client.get(`team/private/blobs/${digest}`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(blob);
    expect(r.counts()).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
  });

  it('N concurrent cold requests cost N + 2 requests', async () => {
    const r = await start();
    await seed(r, 'library/hello');
    const authFetch = createAuthFetch();
    const all = await Promise.all(
      Array.from({ length: 20 }, () => authFetch(`${r.url}/v2/library/hello/manifests/latest`)),
    );
    expect(all.map((x) => x.status)).toEqual(Array(20).fill(200));
    expect(r.counts()).toEqual({ total: 22, registry: 21, token: 1, unauthorized: 1 });
  });

  it('crosses the expiry of 5-second tokens with no 401 after the first', async () => {
    let clock = Date.now();
    const r = await start({ tokenLifetimeSec: 5, clock: () => clock });
    await seed(r, 'library/hello');
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD }, now: () => clock });
    for (let i = 0; i < 20; i++) {
      const res = await authFetch(`${r.url}/v2/team/private/tags/list`);
      expect(res.status).toBe(404); // no tags yet, but authorised: a 401 would be 401
      clock += 1_000; // 20 s of registry time: four token lifetimes
    }
    expect(r.counts().unauthorized).toBe(1);
    // requests at t = 0…19 s; a token is replaced once 3.75 s of its 5 s are gone: at 0, 4, 8, 12 and 16 s
    expect(r.counts().token).toBe(5);
  });

  it('a read-only user denied a push gets the 401 back after one retry, not a loop', async () => {
    const r = await start();
    const authFetch = createAuthFetch({ credentials: { username: 'reader', password: PASSWORD } });
    const res = await authFetch(`${r.url}/v2/team/private/manifests/latest`, { method: 'PUT', body: MANIFEST });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(r.counts()).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 2 });
  });

  it('a wrong password is a typed error without the secret', async () => {
    const r = await start();
    const seen = new Observed();
    const authFetch = createAuthFetch({
      credentials: { username: 'alice', password: 'wrong-password-here' },
      onEvent: seen.onEvent,
    });
    const error = await seen.catch(authFetch(`${r.url}/v2/team/private/manifests/latest`));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'TOKEN_DENIED', status: 401, serverCode: 'UNAUTHORIZED' });
    expect((error as Error).message).toContain('user "alice"');
    seen.expectNoSecrets(['wrong-password-here']);
  });

  it('OAuth2 password grant, then the refresh token the server issued', async () => {
    const r = await start();
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD }, passwordGrant: true });
    expect((await authFetch(`${r.url}/v2/team/private/tags/list`)).status).toBe(404); // no tags yet, but authorised
    expect((await authFetch(`${r.url}/v2/library/hello/tags/list`)).status).toBe(404);
    const grants = r.log.filter((e) => e.server === 'token').map((e) => `${e.method} ${e.status}`);
    expect(grants).toEqual(['POST 200', 'POST 200']);
    expect(r.issuedTokens()).toBe(2);
  });

  it('falls back to GET when the realm has no OAuth2 endpoint (404)', async () => {
    const r = await start({ postTokenEndpoint: false });
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD }, passwordGrant: true });
    await authFetch(`${r.url}/v2/team/private/tags/list`);
    await authFetch(`${r.url}/v2/library/hello/tags/list`);
    expect(r.log.filter((e) => e.server === 'token').map((e) => `${e.method} ${e.status}`)).toEqual([
      'POST 404',
      'GET 200',
      'GET 200',
    ]);
  });

  it('a Basic registry gets Basic credentials directly, remembered per registry', async () => {
    const r = await start({ auth: 'basic' });
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    expect((await authFetch(`${r.url}/v2/team/private/tags/list`)).status).toBe(404);
    expect((await authFetch(`${r.url}/v2/library/hello/tags/list`)).status).toBe(404);
    expect(lines(r)).toEqual([
      'registry GET /v2/team/private/tags/list 401',
      'registry GET /v2/team/private/tags/list 404',
      'registry GET /v2/library/hello/tags/list 404',
    ]);
    expect(r.log[2]!.headers.authorization).toMatch(/^Basic /);
  });

  it('a blob download redirected to storage carries no token there', async () => {
    const r = await start({ blobRedirect: true });
    const client = createRegistryClient({ registry: r.url, credentials: { username: 'alice', password: PASSWORD } });
    const blob = new TextEncoder().encode('stored-elsewhere');
    const digest = sha256Digest(blob);
    await client.post(`team/private/blobs/uploads/?digest=${encodeURIComponent(digest)}`, { body: blob });
    r.clearLog();
    const res = await client.get(`team/private/blobs/${digest}`);
    expect(await res.text()).toBe('stored-elsewhere');
    const storage = r.log.filter((e) => e.server === 'storage');
    expect(storage).toHaveLength(1);
    expect(storage[0]!.status).toBe(200);
    expect(storage[0]!.headers.authorization).toBeUndefined();
  });
});

describe('django-oci mode (the deviations of the server whose docs define the flow)', () => {
  it('answers a scheme-less challenge, follows the realm redirect, and learns that pulls need push', async () => {
    const r = await start({ mode: 'django-oci' });
    await seed(r, 'team/private');
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    const res = await authFetch(`${r.url}/v2/team/private/manifests/latest`);
    expect(res.status).toBe(200);
    expect(lines(r)).toEqual([
      'registry GET /v2/team/private/manifests/latest 401',
      'token GET /auth/token 301',
      'token GET /auth/token/ 200',
      'registry GET /v2/team/private/manifests/latest 200',
    ]);
    // the Basic credentials followed the same-origin redirect
    expect(r.log[2]!.headers.authorization).toMatch(/^Basic /);
    r.clearLog();
    // a second repository: asked for push,pull up front, so no 401
    const other = await authFetch(`${r.url}/v2/library/hello/tags/list`);
    expect(other.status).toBe(404); // authorised; the repository has no tags
    expect(lines(r)).toEqual([
      'token GET /auth/token 301',
      'token GET /auth/token/ 200',
      'registry GET /v2/library/hello/tags/list 404',
    ]);
    expect(r.counts().unauthorized).toBe(0);
  });

  it('wrong credentials (403 at the realm) are a typed error', async () => {
    const r = await start({ mode: 'django-oci' });
    const error = await new Observed().catch(
      createAuthFetch({ credentials: { username: 'alice', password: 'nope-wrong' } })(
        `${r.url}/v2/team/private/tags/list`,
      ),
    );
    expect(error).toMatchObject({ code: 'TOKEN_DENIED', status: 403 });
  });

  it('a stream upload needs the challenges option, since /v2/ answers 200', async () => {
    const r = await start({ mode: 'django-oci' });
    const challenge = `realm="${r.realm}",service="${r.service}"`;
    const authFetch = createAuthFetch({
      credentials: { username: 'alice', password: PASSWORD },
      challenges: { [r.host]: challenge },
    });
    const body = new TextEncoder().encode('streamed');
    const stream = new ReadableStream({
      start: (c) => {
        c.enqueue(body);
        c.close();
      },
    });
    const res = await authFetch(
      `${r.url}/v2/team/private/blobs/uploads/?digest=${encodeURIComponent(sha256Digest(body))}`,
      {
        method: 'POST',
        headers: { 'content-length': String(body.byteLength) },
        body: stream,
        duplex: 'half',
      } as RequestInit,
    );
    expect(res.status).toBe(201);
    expect(r.counts().unauthorized).toBe(0);
  });
});
