// Round trips of whole operations through the token flow, against the embedded reference registry (no
// external binary): what a pull, a push, a mount, pages and expiring tokens cost, counted by the server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest, startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import { createOciClient, RegistryError } from '../../src/oci/index.ts';
import type { ImageManifest, OciClientOptions } from '../../src/oci/index.ts';

const enc = new TextEncoder();
const MiB = 1024 * 1024;

function streamOf(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

function imageOf(config: Uint8Array, layer: Uint8Array): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256Digest(config),
      size: config.byteLength,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.byteLength },
    ],
  };
}

const lines = (reg: ReferenceRegistry): string[] =>
  reg.log.map((e) => `${e.method} ${e.server === 'token' ? '/token' : e.path} ${e.status}`);

describe('operations through the token flow (reference registry)', () => {
  let reg: ReferenceRegistry;
  const config = enc.encode('{"architecture":"amd64","os":"linux"}');
  const layer = new Uint8Array(3 * MiB + 17).map((_, i) => (i * 131) & 0xff);
  const manifest = imageOf(config, layer);

  const alice = (extra: Partial<OciClientOptions> = {}) =>
    createOciClient({ registry: reg.url, credentials: { username: 'alice', password: 'alice-pw' }, ...extra });

  beforeAll(async () => {
    reg = await startReferenceRegistry({
      users: { alice: 'alice-pw', bob: 'bob-pw' },
      repositories: {
        'library/hello': { public: true, acl: { alice: ['*'] } },
        'team/app': { acl: { alice: ['*'], bob: ['pull'] } },
      },
    });
  });
  afterAll(() => reg.close());
  beforeEach(() => reg.clearLog());

  it('pushes an image (monolithic + chunked stream + manifest) for one 401 and one token', async () => {
    const oci = alice({ chunkSize: MiB });
    await oci.pushBlob('team/app', config);
    await oci.pushBlob('team/app', streamOf(layer, 100_000));
    await oci.putManifest('team/app', 'v1', manifest);
    expect(reg.counts()).toEqual({ total: 10, registry: 9, token: 1, unauthorized: 1 });
    expect(lines(reg).map((l) => l.replace(/uploads\/\S+/, 'uploads/<id>'))).toEqual([
      'POST /v2/team/app/blobs/uploads/ 401',
      'GET /token 200',
      'POST /v2/team/app/blobs/uploads/ 202',
      'PUT /v2/team/app/blobs/uploads/<id> 201',
      'POST /v2/team/app/blobs/uploads/ 202',
      'PATCH /v2/team/app/blobs/uploads/<id> 202',
      'PATCH /v2/team/app/blobs/uploads/<id> 202',
      'PATCH /v2/team/app/blobs/uploads/<id> 202',
      'PUT /v2/team/app/blobs/uploads/<id> 201', // the last 17 bytes
      'PUT /v2/team/app/manifests/v1 201',
    ]);
    expect(reg.log.filter((e) => e.method === 'PATCH').map((e) => e.headers['content-range'])).toEqual([
      `0-${MiB - 1}`,
      `${MiB}-${2 * MiB - 1}`,
      `${2 * MiB}-${3 * MiB - 1}`,
    ]);
  });

  it('pulls it cold for 5 requests in all, then a second repository for no 401', async () => {
    const oci = createOciClient({ registry: reg.url, credentials: { username: 'bob', password: 'bob-pw' } });
    const got = await oci.getManifest('team/app', 'v1');
    const blobs = await Promise.all([
      oci.getBlob('team/app', manifest.config.digest),
      oci.getBlob('team/app', manifest.layers[0]!.digest),
    ]);
    expect(sha256Digest(await blobs[0].bytes())).toBe(manifest.config.digest);
    expect(sha256Digest(await blobs[1].bytes())).toBe(manifest.layers[0]!.digest);
    expect(got.manifest).toEqual(manifest);
    expect(reg.counts()).toEqual({ total: 5, registry: 4, token: 1, unauthorized: 1 });

    reg.clearLog();
    expect(await oci.headBlob('library/hello', manifest.config.digest)).toBeUndefined();
    expect(lines(reg)).toEqual(['GET /token 200', `HEAD /v2/library/hello/blobs/${manifest.config.digest} 404`]);
  });

  it('mounts across repositories for one token and no 401, the manifest riding on the same token', async () => {
    const oci = alice();
    await oci.headManifest('team/app', 'v1');
    reg.clearLog();
    const mounted = await oci.pushBlob('team/copy', streamOf(layer, 1 << 20), {
      from: 'team/app',
      digest: manifest.layers[0]!.digest,
      size: layer.byteLength,
    });
    await oci.pushBlob('team/copy', config, { from: 'team/app' });
    await oci.putManifest('team/copy', 'v1', manifest);
    expect(mounted.mounted).toBe(true);
    expect(lines(reg)).toEqual([
      'GET /token 200',
      'POST /v2/team/copy/blobs/uploads/ 201',
      'POST /v2/team/copy/blobs/uploads/ 201',
      'PUT /v2/team/copy/manifests/v1 201',
    ]);
    expect(new URLSearchParams(reg.log[0]!.query).getAll('scope')).toEqual([
      'repository:team/app:pull',
      'repository:team/copy:pull,push',
    ]);
  });

  it('pages tags along Link headers (one token, one request per page)', async () => {
    const oci = alice();
    for (const tag of ['a', 'b', 'c', 'd']) await oci.putManifest('team/app', tag, manifest);
    reg.clearLog();
    expect(await oci.listTags('team/app', { pageSize: 2 })).toEqual(['a', 'b', 'c', 'd', 'v1']);
    expect(reg.log.map((e) => `${e.path}?${decodeURIComponent(e.query)}`)).toEqual([
      '/v2/team/app/tags/list?n=2',
      '/v2/team/app/tags/list?n=2&last=b',
      '/v2/team/app/tags/list?n=2&last=d',
    ]);
    reg.clearLog();
    expect(await oci.catalog({ pageSize: 1 })).toEqual(['team/app', 'team/copy']);
    expect(reg.log.map((e) => `${e.path}?${decodeURIComponent(e.query)}`)).toEqual([
      '/token?service=reference-registry&scope=registry:catalog:*',
      '/v2/_catalog?n=1',
      '/v2/_catalog?n=1&last=team/app',
    ]);
  });

  it('lists referrers through the referrers API', async () => {
    const oci = alice();
    const subject = await oci.headManifest('team/app', 'v1');
    const artifact = {
      ...manifest,
      artifactType: 'application/vnd.example.sig',
      subject: { mediaType: manifest.mediaType!, digest: subject!.digest, size: subject!.size },
    };
    const put = await oci.putManifest('team/app', 'sig', artifact);
    reg.clearLog();
    expect(await oci.referrers('team/app', subject!.digest)).toEqual([
      {
        mediaType: manifest.mediaType,
        digest: put.digest,
        size: enc.encode(JSON.stringify(artifact)).byteLength,
        artifactType: 'application/vnd.example.sig',
      },
    ]);
    expect(lines(reg)).toEqual([`GET /v2/team/app/referrers/${subject!.digest} 200`]);
  });

  it('asks each token for exactly the scope of the operation (fresh client each: one 401, one token)', async () => {
    const missing = sha256Digest(enc.encode('missing'));
    const cases: Array<[string, (oci: ReturnType<typeof alice>) => Promise<unknown>, string[]]> = [
      ['getManifest', (oci) => oci.getManifest('team/app', 'v1'), ['repository:team/app:pull']],
      ['headBlob', (oci) => oci.headBlob('team/app', missing), ['repository:team/app:pull']],
      ['listTags', (oci) => oci.listTags('team/app'), ['repository:team/app:pull']],
      ['referrers', (oci) => oci.referrers('team/app', missing), ['repository:team/app:pull']],
      ['pushBlob', (oci) => oci.pushBlob('team/app', config), ['repository:team/app:pull,push']],
      [
        'pushBlob from',
        (oci) => oci.pushBlob('team/new', config, { from: 'team/app' }),
        ['repository:team/app:pull', 'repository:team/new:pull,push'],
      ],
      ['putManifest', (oci) => oci.putManifest('team/app', 'v1', manifest), ['repository:team/app:pull,push']],
      [
        'deleteManifest',
        (oci) => oci.deleteManifest('team/app', missing).catch(() => undefined),
        ['repository:team/app:delete'],
      ],
      ['catalog', (oci) => oci.catalog(), ['registry:catalog:*']],
    ];
    for (const [name, run, scopes] of cases) {
      reg.clearLog();
      await run(alice());
      const tokens = reg.log.filter((e) => e.server === 'token');
      expect(
        tokens.map((e) => new URLSearchParams(e.query).getAll('scope')),
        name,
      ).toEqual([scopes]);
      expect(reg.counts().unauthorized, name).toBe(1);
    }
  });

  it('ends a denied push in RegistryError after 3 requests', async () => {
    const oci = createOciClient({ registry: reg.url, credentials: { username: 'bob', password: 'bob-pw' } });
    const error = await oci.pushBlob('team/app', config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401, authError: 'insufficient_scope' });
    expect(lines(reg)).toEqual([
      'POST /v2/team/app/blobs/uploads/ 401',
      'GET /token 200',
      'POST /v2/team/app/blobs/uploads/ 401',
    ]);
  });
});

describe('short-lived tokens (reference registry, one shared fake clock)', () => {
  let reg: ReferenceRegistry;
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;

  beforeAll(async () => {
    reg = await startReferenceRegistry({ users: { alice: 'pw' }, tokenLifetimeSec: 5, clock });
  });
  afterAll(() => reg.close());
  beforeEach(() => reg.clearLog());

  it('replaces 5-second tokens before they expire, even between the chunks of one upload', async () => {
    const oci = createOciClient({
      registry: reg.url,
      credentials: { username: 'alice', password: 'pw' },
      now: clock,
      chunkSize: 1000,
    });
    const data = new Uint8Array(10_000).map((_, i) => i & 0xff);
    // Each acknowledged chunk takes "2 seconds": the upload outlives several tokens.
    const pushed = await oci.pushBlob('team/app', streamOf(data, 3000), {
      onProgress: () => {
        now += 2000;
      },
    });
    expect(pushed.size).toBe(10_000);
    expect(reg.counts().unauthorized).toBe(1); // the very first POST only
    // A token is used for 3.75 s of its 5 (the margin is a quarter of its life): two chunks each, 9 PATCHes + PUT.
    expect(reg.counts().token).toBe(5);
    expect(reg.log.filter((e) => e.server === 'registry').map((e) => e.status)).toEqual([
      401,
      202,
      ...Array(9).fill(202),
      201,
    ]);
  });

  it('resends a chunk refused because its token expired early by the server clock (buffers are replayable)', async () => {
    let sdkNow = now;
    const oci = createOciClient({
      registry: reg.url,
      credentials: { username: 'alice', password: 'pw' },
      now: () => sdkNow,
      chunkSize: 1000,
    });
    await oci.ping();
    reg.clearLog();
    // The server's clock jumps past the token's life while the SDK still trusts it: the PATCH meets a 401.
    const data = new Uint8Array(2500).fill(7);
    const pushed = await oci.pushBlob('team/app', streamOf(data, 2500), {
      onProgress: () => {
        now += 10_000;
      },
    });
    sdkNow = now;
    expect(pushed).toEqual({ digest: sha256Digest(data), size: 2500, mounted: false });
    expect(lines(reg).map((l) => l.replace(/uploads\/\S+/, 'uploads/<id>'))).toEqual([
      'GET /token 200',
      'POST /v2/team/app/blobs/uploads/ 202',
      'PATCH /v2/team/app/blobs/uploads/<id> 202',
      'PATCH /v2/team/app/blobs/uploads/<id> 401',
      'GET /token 200',
      'PATCH /v2/team/app/blobs/uploads/<id> 202',
      'PUT /v2/team/app/blobs/uploads/<id> 401',
      'GET /token 200',
      'PUT /v2/team/app/blobs/uploads/<id> 201',
    ]);
  });
});
