// A registry that sends pulls to another registry with its own token server (registry.k8s.io and its regional
// registries, lscr.io and ghcr.io): anonymous and provider-authenticated pulls both succeed through the redirect,
// and no credential of the first registry ever reaches the second.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthFetch } from '../../src/index.ts';
import type { CredentialContext } from '../../src/index.ts';
import { sha256Digest, startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';

const FRONT_PASSWORD = 'front-password-secret';
const BACK_PASSWORD = 'back-password-secret';
let front: ReferenceRegistry;
let back: ReferenceRegistry;
const layer = new TextEncoder().encode('layer bytes');
const digest = sha256Digest(layer);

/** Pushes a one-layer image to `repository` on the back registry. */
async function push(repository: string): Promise<void> {
  const authFetch = createAuthFetch({ credentials: { username: 'bob', password: BACK_PASSWORD } });
  const start = await authFetch(`${back.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(start.headers.get('location')!, back.url);
  location.searchParams.set('digest', digest);
  expect((await authFetch(location, { method: 'PUT', body: layer })).status).toBe(201);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {},
    layers: [{ digest, size: layer.length }],
  };
  const put = await authFetch(`${back.url}/v2/${repository}/manifests/v1`, {
    method: 'PUT',
    headers: { 'content-type': manifest.mediaType },
    body: JSON.stringify(manifest),
  });
  expect(put.status).toBe(201);
}

beforeAll(async () => {
  back = await startReferenceRegistry({
    users: { bob: BACK_PASSWORD },
    separateTokenServer: true,
    repositories: { 'library/public': { public: true, acl: { bob: ['*'] } }, 'team/private': { acl: { bob: ['*'] } } },
  });
  front = await startReferenceRegistry({
    users: { alice: FRONT_PASSWORD },
    repositories: { 'library/public': { public: true }, 'team/private': { acl: { alice: ['pull'] } } },
    redirectTo: back.url,
  });
  await push('library/public');
  await push('team/private');
});
afterAll(async () => {
  await front.close();
  await back.close();
});

const frontCredentialSeenBy = (registry: ReferenceRegistry) =>
  registry.log.filter((e) => {
    const auth = e.headers.authorization ?? '';
    return auth.startsWith('Basic ') && Buffer.from(auth.slice(6), 'base64').toString().includes(FRONT_PASSWORD);
  });

describe('a registry that redirects pulls to another registry with its own token server', () => {
  it('an anonymous pull of a public repository succeeds through the redirect', async () => {
    front.clearLog();
    back.clearLog();
    const authFetch = createAuthFetch();
    const manifest = await authFetch(`${front.url}/v2/library/public/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(200);
    const blob = await authFetch(`${front.url}/v2/library/public/blobs/${digest}`);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(layer);
    // The front: 401, its token, 307 per read. The back: 401 once, one anonymous token, then the reads.
    expect(front.log.map((e) => `${e.server} ${e.status}`)).toEqual([
      'registry 401',
      'token 200',
      'registry 307',
      'registry 307',
    ]);
    expect(back.log.map((e) => `${e.server} ${e.status}`)).toEqual([
      'registry 401',
      'token 200',
      'registry 200',
      'registry 200',
    ]);
  });

  it('a provider answering per host pulls a private repository; the front credential never reaches the back', async () => {
    front.clearLog();
    back.clearLog();
    const asked: string[] = [];
    const authFetch = createAuthFetch({
      credentials: (ctx: CredentialContext) => {
        asked.push(ctx.registry);
        return ctx.registry === front.host
          ? { username: 'alice', password: FRONT_PASSWORD }
          : { username: 'bob', password: BACK_PASSWORD };
      },
    });
    const blob = await authFetch(`${front.url}/v2/team/private/blobs/${digest}`);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(layer);
    expect(asked).toEqual([front.host, back.host]);
    expect(frontCredentialSeenBy(back)).toEqual([]);
    expect(back.log.filter((e) => e.server === 'token').map((e) => e.status)).toEqual([200]);
  });

  it("a static credential is the front's alone: the back's private repository is not reached with it", async () => {
    front.clearLog();
    back.clearLog();
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: FRONT_PASSWORD } });
    const error = await authFetch(`${front.url}/v2/team/private/blobs/${digest}`).then(
      (r) => r.status,
      (e: unknown) => (e as { code?: string }).code,
    );
    // The back's token service grants an anonymous request nothing on a private repository: the registry's 401.
    expect(error).toBe(401);
    expect(frontCredentialSeenBy(back)).toEqual([]);
    expect(back.log.some((e) => e.headers.authorization?.startsWith('Basic '))).toBe(false);
  });
});
