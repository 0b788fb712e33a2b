// Manifest operations request by request: Accept lists, digest checks, media types, typed registry errors.
import { describe, expect, it } from 'vitest';
import { DigestMismatchError, MANIFEST_ACCEPT, OciError, RegistryError } from '../../src/oci/index.ts';
import { useMsw } from '../support/msw.ts';
import { client, errorBody, lines, registry, rejection, sha256, text } from './helpers.ts';

useMsw();

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const manifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('{}'), size: 2 },
  layers: [],
};
const bytes = text(JSON.stringify(manifest));
const digest = sha256(bytes);

function serve(body: Uint8Array, headers: Record<string, string>): Response {
  return new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers });
}

describe('getManifest', () => {
  it('asks for every OCI and Docker manifest and index type, and returns digest, media type, bytes and JSON', async () => {
    const seen = registry(() => serve(bytes, { 'content-type': OCI_MANIFEST, 'docker-content-digest': digest }));
    const got = await client().getManifest('team/app', 'latest');
    expect(lines(seen)).toEqual(['GET /v2/team/app/manifests/latest']);
    expect(seen[0]!.headers.accept).toBe(
      'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
        'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
    );
    expect(MANIFEST_ACCEPT).toHaveLength(4);
    expect(got).toEqual({ digest, mediaType: OCI_MANIFEST, size: bytes.byteLength, bytes, manifest });
  });

  it('takes the media type from the JSON when Content-Type is absent, and computes the digest when not sent', async () => {
    registry(() => serve(bytes, {}));
    const got = await client().getManifest('team/app', 'v1', { accept: [OCI_MANIFEST] });
    expect(got.mediaType).toBe(OCI_MANIFEST);
    expect(got.digest).toBe(digest);
  });

  it('rejects content that does not hash to the digest asked for', async () => {
    const other = sha256('something else');
    registry(() => serve(bytes, { 'content-type': OCI_MANIFEST }));
    const error = await rejection(client().getManifest('team/app', other));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', expected: other, actual: digest });
  });

  it('rejects content that does not match the Docker-Content-Digest the registry announced', async () => {
    registry(() => serve(bytes, { 'content-type': OCI_MANIFEST, 'docker-content-digest': sha256('x') }));
    expect(await rejection(client().getManifest('team/app', 'latest'))).toBeInstanceOf(DigestMismatchError);
  });

  it('refuses manifests larger than maxManifestBytes', async () => {
    registry(() => serve(bytes, { 'content-type': OCI_MANIFEST }));
    expect(await rejection(client({ maxManifestBytes: 10 }).getManifest('team/app', 'latest'))).toMatchObject({
      code: 'TOO_LARGE',
    });
  });

  it('turns the registry error body into a RegistryError with its code', async () => {
    registry(() => new Response(errorBody('MANIFEST_UNKNOWN', 'manifest unknown', { Tag: 'nope' }), { status: 404 }));
    const error = await rejection(client().getManifest('team/app', 'nope'));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toBeInstanceOf(OciError);
    expect(error).toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      status: 404,
      operation: 'getManifest',
      method: 'GET',
      url: 'https://registry.test/v2/team/app/manifests/nope',
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }],
    });
    expect((error as Error).message).toBe(
      'getManifest failed: GET https://registry.test/v2/team/app/manifests/nope answered 404 MANIFEST_UNKNOWN: manifest unknown.',
    );
  });

  it('derives the code from the status when the body says nothing', async () => {
    registry(() => new Response('<html>nope</html>', { status: 404 }));
    expect(await rejection(client().getManifest('team/app', 'x'))).toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      errors: [],
    });
    registry(() => new Response('', { status: 429 }));
    expect(await rejection(client().getManifest('team/app', 'x'))).toMatchObject({
      code: 'TOOMANYREQUESTS',
      status: 429,
    });
    registry(() => new Response('', { status: 403 }));
    expect(await rejection(client().getManifest('team/app', 'x'))).toMatchObject({ code: 'DENIED', status: 403 });
  });

  it('checks names and references before sending anything', async () => {
    const seen = registry(() => new Response('{}'));
    expect(await rejection(client().getManifest('Team/App', 'latest'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejection(client().getManifest('team/app', '../x'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejection(client().getManifest('team/app', 'sha512:abc'))).toMatchObject({
      code: 'UNSUPPORTED_DIGEST',
    });
    expect(await rejection(client().getManifest('team/app', 'sha256:ABC'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(seen).toEqual([]);
  });
});

describe('headManifest', () => {
  it('returns the descriptor from the headers, undefined on 404', async () => {
    const seen = registry((req) =>
      req.path.endsWith('/v1')
        ? new Response(null, {
            status: 200,
            headers: {
              'content-type': OCI_MANIFEST,
              'docker-content-digest': digest,
              'content-length': String(bytes.byteLength),
            },
          })
        : new Response(null, { status: 404 }),
    );
    expect(await client().headManifest('team/app', 'v1')).toEqual({
      digest,
      mediaType: OCI_MANIFEST,
      size: bytes.byteLength,
    });
    expect(await client().headManifest('team/app', 'v2')).toBeUndefined();
    expect(lines(seen)).toEqual(['HEAD /v2/team/app/manifests/v1', 'HEAD /v2/team/app/manifests/v2']);
    expect(seen[0]!.headers.accept).toContain('application/vnd.oci.image.index.v1+json');
  });

  it('falls back to a GET when the HEAD leaves out the digest', async () => {
    const seen = registry((req) =>
      req.method === 'HEAD' ? new Response(null, { status: 200 }) : serve(bytes, { 'content-type': OCI_MANIFEST }),
    );
    expect(await client().headManifest('team/app', 'v1')).toEqual({
      digest,
      mediaType: OCI_MANIFEST,
      size: bytes.byteLength,
    });
    expect(lines(seen)).toEqual(['HEAD /v2/team/app/manifests/v1', 'GET /v2/team/app/manifests/v1']);
  });
});

describe('putManifest', () => {
  it('sends the JSON with its media type and returns the digest and resolved location', async () => {
    const seen = registry(
      () =>
        new Response(null, {
          status: 201,
          headers: { location: `/v2/team/app/manifests/${digest}`, 'docker-content-digest': digest },
        }),
    );
    const put = await client().putManifest('team/app', 'v1', manifest as never);
    expect(put).toEqual({ digest, location: `https://registry.test/v2/team/app/manifests/${digest}` });
    expect(lines(seen)).toEqual(['PUT /v2/team/app/manifests/v1']);
    expect(seen[0]!.headers['content-type']).toBe(OCI_MANIFEST);
    expect(seen[0]!.body).toEqual(bytes);
  });

  it('sends bytes as they are (a copy keeps its digest), with the media type given', async () => {
    const raw = text('{\n  "schemaVersion": 2, "manifests": []\n}');
    const seen = registry(() => new Response(null, { status: 201 }));
    const put = await client().putManifest('team/app', sha256(raw), raw, {
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
    expect(put).toEqual({ digest: sha256(raw), location: undefined });
    expect(seen[0]!.body).toEqual(raw);
    expect(seen[0]!.headers['content-type']).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('refuses, before sending, a manifest without a media type or under a digest it does not have', async () => {
    const seen = registry(() => new Response(null, { status: 201 }));
    expect(await rejection(client().putManifest('team/app', 'v1', '{"schemaVersion":2}'))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await rejection(client().putManifest('team/app', sha256('x'), bytes))).toBeInstanceOf(DigestMismatchError);
    expect(await rejection(client().putManifest('team/app', 'v1', 'not json'))).toMatchObject({
      code: 'INVALID_RESPONSE',
    });
    expect(seen).toEqual([]);
  });

  it('reports MANIFEST_BLOB_UNKNOWN and friends as typed errors', async () => {
    registry(
      () =>
        new Response(errorBody('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { digest: 'sha256:x' }), {
          status: 400,
        }),
    );
    expect(await rejection(client().putManifest('team/app', 'v1', bytes))).toMatchObject({
      code: 'MANIFEST_BLOB_UNKNOWN',
      status: 400,
      operation: 'putManifest',
    });
  });
});

describe('deleteManifest', () => {
  it('sends DELETE and accepts 202', async () => {
    const seen = registry(() => new Response(null, { status: 202 }));
    await client().deleteManifest('team/app', digest);
    expect(lines(seen)).toEqual([`DELETE /v2/team/app/manifests/${digest}`]);
  });

  it('reports UNSUPPORTED when the registry has deletes disabled', async () => {
    registry(() => new Response(errorBody('UNSUPPORTED', 'The operation is unsupported.'), { status: 405 }));
    expect(await rejection(client().deleteManifest('team/app', digest))).toMatchObject({
      code: 'UNSUPPORTED',
      status: 405,
    });
  });
});
