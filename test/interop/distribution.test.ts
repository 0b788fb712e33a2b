// The SDK against the real CNCF distribution registry (Debian's docker-registry 2.8), with the reference token
// server signing the JWTs it trusts. Every test asserts the exact requests it cost, registry and realm alike.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyImage } from '../../examples/copy-image.ts';
import { startReferenceRegistry } from '../../reference/registry.ts';
import { TokenRequestError } from '../../src/index.ts';
import { createOciClient, DigestMismatchError, RegistryError } from '../../src/oci/index.ts';
import type { OciClient, OciClientOptions } from '../../src/oci/index.ts';
import { findRegistryBinary } from './support/distribution.ts';
import { bytesOf, configOf, imageOf, sha256, streamOf } from './support/image.ts';
import type { TestImage } from './support/image.ts';
import { startInteropRegistry } from './support/pair.ts';
import type { InteropRegistry } from './support/pair.ts';
import { Traffic } from './support/traffic.ts';

const binary = findRegistryBinary();
const inCi = process.env.CI === 'true';
if (!binary && !inCi) {
  console.warn(
    '\n[interop] SKIPPED: docker-registry (CNCF distribution 2.8) is not installed, so the SDK is NOT being tested ' +
      'against the real registry. Install it (apt-get install docker-registry) or set DOCKER_REGISTRY_BIN. CI runs these.\n',
  );
}

const USERS = { alice: 'alice-secret-pw', bob: 'bob-secret-pw' };
const MiB = 1024 * 1024;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Skipped only outside CI: with CI=true a missing binary fails in beforeAll.
describe.skipIf(!binary && !inCi)('interop: distribution 2.8 with token auth', () => {
  let env: InteropRegistry;
  const app: { image?: TestImage } = {};

  function client(
    credentials?: { username: string; password: string },
    extra: Partial<OciClientOptions> = {},
  ): { oci: OciClient; traffic: Traffic } {
    const traffic = new Traffic(env.registry.url, env.tokens.realm);
    const oci = createOciClient({
      registry: env.registry.url,
      fetch: traffic.fetch,
      ...(credentials ? { credentials } : {}),
      ...extra,
    });
    return { oci, traffic };
  }
  const alice = (extra?: Partial<OciClientOptions>) => client({ username: 'alice', password: USERS.alice }, extra);

  beforeAll(async () => {
    if (!binary)
      throw new Error(
        'CI=true but docker-registry is not installed: the interop suite must run in CI (.ci/run installs it).',
      );
    env = await startInteropRegistry(binary, {
      users: USERS,
      repositories: {
        'library/hello': { public: true, acl: { alice: ['*'] } },
        'team/app': { acl: { alice: ['*'], bob: ['pull'] } },
      },
    });
    // A public image to pull anonymously.
    const seed = alice().oci;
    const hello = imageOf(configOf('hello'), bytesOf(4096, 7));
    await seed.pushBlob('library/hello', hello.config);
    await seed.pushBlob('library/hello', hello.layer);
    await seed.putManifest('library/hello', 'latest', hello.manifestBytes);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('pings: /v2/ answers with an anonymous token (3 requests) and says registry/2.0', async () => {
    const { oci, traffic } = client();
    expect(await oci.ping()).toEqual({ apiVersion: 'registry/2.0' });
    expect(traffic.lines()).toEqual(['GET /v2/ 401', 'GET /token 200', 'GET /v2/ 200']);
  });

  it('pulls a public repository anonymously: a cold manifest + 2 blobs cost 5 requests, digests verified', async () => {
    const { oci, traffic } = client();
    const got = await oci.getManifest('library/hello', 'latest');
    expect(got.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(got.digest).toBe(sha256(got.bytes));
    if (!('layers' in got.manifest)) throw new Error('expected an image manifest');
    const config = await oci.getBlob('library/hello', got.manifest.config.digest, { size: got.manifest.config.size });
    const layer = await oci.getBlob('library/hello', got.manifest.layers[0]!.digest);
    expect(new TextDecoder().decode(await config.bytes())).toContain('"hello"');
    expect(await layer.bytes()).toEqual(bytesOf(4096, 7));
    expect(traffic.lines()).toEqual([
      `GET /v2/library/hello/manifests/latest 401`,
      'GET /token 200',
      `GET /v2/library/hello/manifests/latest 200`,
      `GET /v2/library/hello/blobs/${got.manifest.config.digest} 200`,
      `GET /v2/library/hello/blobs/${got.manifest.layers[0]!.digest} 200`,
    ]);
    expect(traffic.log[1]!.authorization).toBeUndefined(); // anonymous token
    expect(traffic.log[1]!.query).toBe('service=reference-registry&scope=repository%3Alibrary%2Fhello%3Apull');
  });

  it('refuses an anonymous pull of a private repository with a typed error, without looping', async () => {
    const { oci, traffic } = client();
    await oci.ping();
    traffic.clear();
    const error = await oci.getManifest('team/app', 'latest').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
      authError: 'insufficient_scope',
      operation: 'getManifest',
    });
    // Known registry: token up front, 401, one fresh token, one retry, done.
    expect(traffic.lines()).toEqual([
      'GET /token 200',
      'GET /v2/team/app/manifests/latest 401',
      'GET /token 200',
      'GET /v2/team/app/manifests/latest 401',
    ]);
  });

  it('pushes a new image (monolithic blob, 5 MiB chunked stream, manifest) for one 401 and one token', async () => {
    const { oci, traffic } = alice();
    const image = imageOf(configOf('app'), bytesOf(5 * MiB + 123, 42));
    app.image = image;
    const progress: number[] = [];
    const config = await oci.pushBlob('team/app', image.config);
    const layer = await oci.pushBlob('team/app', streamOf(image.layer), {
      chunkSize: 2 * MiB,
      onProgress: (p) => progress.push(p.transferred),
    });
    const put = await oci.putManifest('team/app', 'v1', image.manifest);

    expect(config).toEqual({ digest: sha256(image.config), size: image.config.byteLength, mounted: false });
    expect(layer).toEqual({ digest: sha256(image.layer), size: image.layer.byteLength, mounted: false });
    expect(progress).toEqual([2 * MiB, 4 * MiB, 5 * MiB + 123]);
    expect(put.digest).toBe(image.digest);
    expect(put.location).toBe(`${env.registry.url}/v2/team/app/manifests/${image.digest}`);
    expect(traffic.counts()).toEqual({ total: 9, registry: 8, token: 1, unauthorized: 1 });
    const upload = (method: string, status: number) =>
      expect.stringMatching(new RegExp(`^${method} /v2/team/app/blobs/uploads/[0-9a-f-]+ ${status}$`));
    expect(traffic.lines()).toEqual([
      'POST /v2/team/app/blobs/uploads/ 401',
      'GET /token 200',
      'POST /v2/team/app/blobs/uploads/ 202',
      upload('PUT', 201), // monolithic
      'POST /v2/team/app/blobs/uploads/ 202',
      upload('PATCH', 202), // 2 MiB
      upload('PATCH', 202), // 2 MiB
      upload('PUT', 201), // the last 1 MiB + 123 bytes closes the upload
      'PUT /v2/team/app/manifests/v1 201',
    ]);
    expect(traffic.log[1]!.query).toBe('service=reference-registry&scope=repository%3Ateam%2Fapp%3Apull%2Cpush');
  });

  it('pulls the pushed image back by tag and by digest with a read-only user, digests verified', async () => {
    const image = app.image!;
    const { oci, traffic } = client({ username: 'bob', password: USERS.bob });
    const byTag = await oci.getManifest('team/app', 'v1');
    const layer = await oci.getBlob('team/app', image.manifest.layers[0]!.digest, { size: image.layer.byteLength });
    const config = await oci.getBlob('team/app', image.manifest.config.digest);
    const layerBytes = await readAll(layer.stream);
    expect(layerBytes.byteLength).toBe(image.layer.byteLength);
    expect(sha256(layerBytes)).toBe(sha256(image.layer));
    expect(await config.bytes()).toEqual(image.config);
    expect(traffic.counts()).toEqual({ total: 5, registry: 4, token: 1, unauthorized: 1 });

    traffic.clear();
    const byDigest = await oci.getManifest('team/app', image.digest);
    expect(byDigest.bytes).toEqual(byTag.bytes);
    expect(byTag.digest).toBe(image.digest);
    expect(byDigest).toMatchObject({
      digest: image.digest,
      size: image.manifestBytes.byteLength,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await oci.headManifest('team/app', 'v1')).toEqual({
      digest: image.digest,
      size: image.manifestBytes.byteLength,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await oci.headBlob('team/app', image.manifest.layers[0]!.digest)).toEqual({
      digest: sha256(image.layer),
      size: image.layer.byteLength,
    });
    expect(await oci.headBlob('team/app', sha256(new Uint8Array([1])))).toBeUndefined();
    expect(traffic.counts()).toEqual({ total: 4, registry: 4, token: 0, unauthorized: 0 });
  });

  it('refuses a blob of another size than its descriptor, and a manifest put under a digest it does not have', async () => {
    const image = app.image!;
    const { oci } = alice();
    // The registry serves the blob stored under the digest; asking with a size that differs is caught.
    const download = await oci
      .getBlob('team/app', image.manifest.config.digest, { size: image.config.byteLength + 1 })
      .catch((e: unknown) => e);
    expect(download).toMatchObject({ code: 'SIZE_MISMATCH' });
    const wrong = await oci
      .putManifest('team/app', sha256(new Uint8Array([9])), image.manifest)
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(DigestMismatchError);
  });

  it('costs no 401 for a second repository on the same registry', async () => {
    const image = app.image!;
    const { oci, traffic } = alice();
    await oci.getManifest('team/app', 'v1');
    traffic.clear();
    // Same blobs, another repository: pushed first (the mount is the next test's business).
    await oci.pushBlob('team/other', image.config);
    await oci.getManifest('library/hello', 'latest');
    expect(traffic.lines()).toEqual([
      'GET /token 200',
      'POST /v2/team/other/blobs/uploads/ 202',
      expect.stringMatching(/^PUT \/v2\/team\/other\/blobs\/uploads\/[0-9a-f-]+ 201$/),
      'GET /token 200',
      'GET /v2/library/hello/manifests/latest 200',
    ]);
  });

  it('mounts blobs across repositories for one token fetch and no 401', async () => {
    const image = app.image!;
    const { oci, traffic } = alice();
    await oci.getManifest('team/app', 'v1');
    traffic.clear();
    const progress: Array<{ transferred: number; total: number | undefined }> = [];
    const layer = await oci.pushBlob('team/copy', streamOf(image.layer), {
      from: 'team/app',
      digest: image.manifest.layers[0]!.digest,
      size: image.layer.byteLength,
      onProgress: (p) => progress.push(p),
    });
    const config = await oci.pushBlob('team/copy', image.config, { from: 'team/app' });
    await oci.putManifest('team/copy', 'v1', image.manifestBytes);
    expect(layer).toEqual({ digest: sha256(image.layer), size: image.layer.byteLength, mounted: true });
    expect(config.mounted).toBe(true);
    expect(progress).toEqual([{ transferred: image.layer.byteLength, total: image.layer.byteLength }]);
    expect(traffic.lines()).toEqual([
      'GET /token 200',
      'POST /v2/team/copy/blobs/uploads/ 201',
      'POST /v2/team/copy/blobs/uploads/ 201',
      'PUT /v2/team/copy/manifests/v1 201',
    ]);
    // The one token asked for the target and the source together, as the registry's mount challenge would.
    expect(decodeURIComponent(traffic.log[0]!.query)).toBe(
      'service=reference-registry&scope=repository:team/app:pull&scope=repository:team/copy:pull,push',
    );
    expect(traffic.log[1]!.query).toBe(`mount=${encodeURIComponent(image.manifest.layers[0]!.digest)}&from=team%2Fapp`);
  });

  it('copies an image with examples/copy-image.ts: mounts within the registry, an index to another registry', async () => {
    const image = app.image!;
    const output: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void output.push(args.join(' ')));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    const other = await startReferenceRegistry({ users: { alice: 'a' } });
    try {
      const from = alice();
      const within = {
        client: createOciClient({ registry: env.registry.url, authFetch: from.oci.fetch }),
        repository: 'team/mirror',
      };
      expect(await copyImage({ client: from.oci, repository: 'team/app' }, 'v1', within, 'v1')).toBe(image.digest);
      expect(from.traffic.lines()).toEqual([
        'GET /v2/team/app/manifests/v1 401',
        'GET /token 200',
        'GET /v2/team/app/manifests/v1 200',
        'GET /token 200', // team/app:pull + team/mirror:pull,push
        'POST /v2/team/mirror/blobs/uploads/ 201',
        'POST /v2/team/mirror/blobs/uploads/ 201',
        'PUT /v2/team/mirror/manifests/v1 201',
      ]);
      expect(output.filter((l) => l.includes('mounted from team/app'))).toHaveLength(2);

      // A one-platform index over the image, copied to another registry: children first, then the index.
      const index = {
        schemaVersion: 2 as const,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: image.manifest.mediaType!,
            digest: image.digest,
            size: image.manifestBytes.byteLength,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      };
      const indexDigest = (await from.oci.putManifest('team/app', 'multi', index)).digest;
      output.length = 0;
      const away = createOciClient({
        registry: other.url,
        credentials: { username: 'alice', password: 'a' },
        chunkSize: 2 * MiB,
        scopes: ['repository:copies/app:pull,push'],
      });
      expect(
        await copyImage(
          { client: from.oci, repository: 'team/app' },
          'multi',
          { client: away, repository: 'copies/app' },
          'multi',
        ),
      ).toBe(indexDigest);
      expect(other.counts()).toMatchObject({ token: 1, unauthorized: 1 });
      expect(
        output
          .filter((l) => l.includes('layer 1'))
          .map((l) => l.trim().replace(/^.* (\S+ \S+ \/ \S+ \S+ \(\d+%\))$/, '$1')),
      ).toEqual(['2.0 MiB / 5.0 MiB (39%)', '4.0 MiB / 5.0 MiB (79%)', '5.0 MiB / 5.0 MiB (100%)']);
      const copied = await away.getManifest('copies/app', 'multi');
      expect(copied.digest).toBe(indexDigest);
      expect((await away.getManifest('copies/app', image.digest)).digest).toBe(image.digest);
    } finally {
      vi.restoreAllMocks();
      await other.close();
    }
  });

  it('falls back to an upload when the mount source lacks the blob (202 session reused, no extra POST)', async () => {
    const { oci, traffic } = alice();
    const data = bytesOf(1000, 99);
    const pushed = await oci.pushBlob('team/copy', data, { from: 'team/app' });
    expect(pushed).toEqual({ digest: sha256(data), size: 1000, mounted: false });
    expect(traffic.lines().slice(-2)).toEqual([
      'POST /v2/team/copy/blobs/uploads/ 202',
      expect.stringMatching(/^PUT \/v2\/team\/copy\/blobs\/uploads\/[0-9a-f-]+ 201$/),
    ]);
  });

  it('lists tags, and the catalog along Link pages', async () => {
    const image = app.image!;
    const { oci, traffic } = alice();
    for (const tag of ['v2', 'v3', 'v4', 'v5'])
      await oci.putManifest('team/app', tag, image.manifestBytes, { mediaType: image.manifest.mediaType! });
    traffic.clear();
    // distribution 2.8 ignores `n` on tag lists (tag pagination came with distribution 3): one page, unsorted.
    expect((await oci.listTags('team/app', { pageSize: 2 })).sort()).toEqual(['multi', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(traffic.lines()).toEqual(['GET /v2/team/app/tags/list 200']);
    expect(traffic.log[0]!.query).toBe('n=2');

    traffic.clear();

    const pages: string[][] = [];
    for await (const page of oci.catalogPages({ pageSize: 2 })) pages.push(page);
    const all = ['library/hello', 'team/app', 'team/copy', 'team/mirror', 'team/other'];
    expect(pages).toEqual([all.slice(0, 2), all.slice(2, 4), all.slice(4)]);
    expect(
      traffic.log.map((e) => `${e.method} ${new URL(e.url).pathname}?${decodeURIComponent(e.query)} ${e.status}`),
    ).toEqual([
      'GET /token?service=reference-registry&scope=registry:catalog:* 200',
      'GET /v2/_catalog?n=2 200',
      'GET /v2/_catalog?last=team/app&n=2 200',
      'GET /v2/_catalog?last=team/mirror&n=2 200',
    ]);
    expect(await oci.catalog()).toEqual(all);
  });

  it('finds referrers through the tag schema, distribution 2.8 having no referrers API', async () => {
    const image = app.image!;
    const { oci, traffic } = alice();
    // A signature artifact whose subject is the image, then the tag-schema index a 1.1 client writes next to it.
    const empty = new TextEncoder().encode('{}');
    await oci.pushBlob('team/app', empty);
    const artifact = {
      schemaVersion: 2 as const,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
      subject: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: image.digest,
        size: image.manifestBytes.byteLength,
      },
    };
    const pushed = await oci.putManifest('team/app', 'sig', artifact);
    const signature = {
      mediaType: artifact.mediaType,
      digest: pushed.digest,
      size: new TextEncoder().encode(JSON.stringify(artifact)).byteLength,
      artifactType: artifact.artifactType,
    };
    const index = {
      schemaVersion: 2 as const,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [signature],
    };
    await oci.putManifest('team/app', image.digest.replace(':', '-'), index);
    traffic.clear();
    expect(await oci.referrers('team/app', image.digest)).toEqual([signature]);
    expect(await oci.referrers('team/app', image.digest, { artifactType: 'application/other' })).toEqual([]);
    expect(await oci.referrers('team/app', sha256(new Uint8Array([6])))).toEqual([]);
    expect(traffic.lines().slice(0, 2)).toEqual([
      `GET /v2/team/app/referrers/${image.digest} 404`,
      `GET /v2/team/app/manifests/${image.digest.replace(':', '-')} 200`,
    ]);
  });

  it('deletes a manifest by digest (a delete token, then no 401) and it is gone', async () => {
    const image = app.image!;
    const { oci, traffic } = alice();
    expect(await oci.headManifest('team/copy', 'v1')).toMatchObject({ digest: image.digest });
    traffic.clear();
    await oci.deleteManifest('team/copy', image.digest);
    expect(await oci.headManifest('team/copy', image.digest)).toBeUndefined();
    const gone = await oci.getManifest('team/copy', image.digest).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(RegistryError);
    expect(gone).toMatchObject({ code: 'MANIFEST_UNKNOWN', status: 404 });
    // The pull token from the first HEAD still serves the pulls after the delete.
    expect(traffic.lines()).toEqual([
      'GET /token 200',
      `DELETE /v2/team/copy/manifests/${image.digest} 202`,
      `HEAD /v2/team/copy/manifests/${image.digest} 404`,
      `GET /v2/team/copy/manifests/${image.digest} 404`,
    ]);
  });

  it('ends a denied push by a read-only user in a typed error, with no retry loop', async () => {
    const { oci, traffic } = client({ username: 'bob', password: USERS.bob });
    const error = await oci.pushBlob('team/app', bytesOf(100, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
      authError: 'insufficient_scope',
      operation: 'pushBlob',
      method: 'POST',
    });
    expect((error as RegistryError).errors[0]).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'authentication required',
    });
    expect(traffic.lines()).toEqual([
      'POST /v2/team/app/blobs/uploads/ 401',
      'GET /token 200',
      'POST /v2/team/app/blobs/uploads/ 401',
    ]);
  });

  it('turns a wrong password into TokenRequestError TOKEN_DENIED with no secret in it', async () => {
    const wrong = 'not-the-password-x9';
    const { oci, traffic } = client({ username: 'alice', password: wrong });
    const error = await oci.getManifest('team/app', 'v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'TOKEN_DENIED', status: 401, realm: env.tokens.realm });
    const text = `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)}`;
    for (const secret of [wrong, btoa(`alice:${wrong}`), USERS.alice]) expect(text).not.toContain(secret);
    expect(traffic.lines()).toEqual(['GET /v2/team/app/manifests/v1 401', 'GET /token 401']);
  });
});

describe.skipIf(!binary && !inCi)('interop: 5-second tokens against distribution 2.8 (RS256, key in x5c)', () => {
  let env: InteropRegistry;

  beforeAll(async () => {
    if (!binary) throw new Error('CI=true but docker-registry is not installed.');
    env = await startInteropRegistry(binary, {
      users: USERS,
      tokenLifetimeSec: 5,
      signingAlgorithm: 'RS256',
      keyIdentification: 'x5c',
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('replaces tokens before the registry rejects them: no 401 after the first across several expiries', async () => {
    const traffic = new Traffic(env.registry.url, env.tokens.realm);
    const oci = createOciClient({
      registry: env.registry.url,
      fetch: traffic.fetch,
      credentials: { username: 'alice', password: USERS.alice },
    });
    const image = imageOf(configOf('short'), bytesOf(70_000, 5));
    await oci.pushBlob('team/short', image.config);
    await oci.pushBlob('team/short', streamOf(image.layer, 10_000), { chunkSize: 32 * 1024 });
    await oci.putManifest('team/short', 'v1', image.manifest);

    // A token taken by hand now, to show the registry really stops accepting it 5 s later.
    const auth = { authorization: `Basic ${btoa(`alice:${USERS.alice}`)}` };
    const realm = `${env.tokens.realm}?service=${env.tokens.service}&scope=repository:team/short:pull`;
    const { token } = (await (await fetch(realm, { headers: auth })).json()) as { token: string };
    const manifestUrl = `${env.registry.url}/v2/team/short/manifests/v1`;
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    expect((await fetch(manifestUrl, { headers: { ...accept, authorization: `Bearer ${token}` } })).status).toBe(200);

    // Keep pulling until the SDK has replaced its token twice (each lives 5 s, replaced after 3.75 s).
    let pulls = 0;
    const deadline = Date.now() + 20_000;
    while (traffic.counts().token < 3 && Date.now() < deadline) {
      const got = await oci.getManifest('team/short', 'v1');
      expect(got.digest).toBe(image.digest);
      expect(await (await oci.getBlob('team/short', image.manifest.config.digest)).bytes()).toEqual(image.config);
      pulls++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const late = await fetch(manifestUrl, { headers: { ...accept, authorization: `Bearer ${token}` } });
    expect(late.status).toBe(401);
    expect(late.headers.get('www-authenticate')).toContain('error="invalid_token"');

    expect(pulls).toBeGreaterThan(10);
    expect(traffic.counts()).toMatchObject({ token: 3, unauthorized: 1 });
    expect(traffic.log[0]).toMatchObject({ method: 'POST', status: 401 });
    expect(traffic.log.filter((e) => e.server === 'registry' && e.status >= 400)).toHaveLength(1);
  });
});
