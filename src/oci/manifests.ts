// Manifests and indexes: get (digest verified), head, put, delete.

import { discard } from '../http.ts';
import { assertSha256Digest, isDigest, sha256Of } from './digest.ts';
import { DigestMismatchError, OciError } from './errors.ts';
import { bareMediaType, MANIFEST_ACCEPT } from './media-types.ts';
import { assertReference, repositoryUrl } from './names.ts';
import { readBytes, send } from './request.ts';
import type { Context } from './request.ts';
import type {
  CallOptions,
  Manifest,
  ManifestDescriptor,
  ManifestOptions,
  ManifestResult,
  PutManifestOptions,
  PutManifestResult,
} from './types.ts';

function manifestUrl(ctx: Context, repository: string, reference: string): URL {
  assertReference(reference);
  if (isDigest(reference)) assertSha256Digest(reference);
  return repositoryUrl(ctx.base, repository, `manifests/${reference}`);
}

const acceptHeader = (options: ManifestOptions | undefined): string => (options?.accept ?? MANIFEST_ACCEPT).join(', ');

function parseManifest(bytes: Uint8Array, what: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new OciError('INVALID_RESPONSE', `${what} is not JSON.`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new OciError('INVALID_RESPONSE', `${what} is not a JSON object.`);
  return json as Manifest;
}

export async function getManifest(
  ctx: Context,
  repository: string,
  reference: string,
  options?: ManifestOptions,
): Promise<ManifestResult> {
  const url = manifestUrl(ctx, repository, reference);
  const response = await send(ctx, {
    operation: 'getManifest',
    method: 'GET',
    url,
    headers: { accept: acceptHeader(options) },
    signal: options?.signal,
    ok: [200],
    notFound: 'MANIFEST_UNKNOWN',
  });
  const what = `Manifest ${repository}:${reference}`;
  const bytes = await readBytes(response, ctx.maxManifestBytes, what);
  const digest = await sha256Of(bytes);
  // Asked by digest: the content must be that digest. By tag: it must be what the registry says it is.
  const expected = isDigest(reference) ? reference : response.headers.get('docker-content-digest');
  if (expected?.startsWith('sha256:') && expected !== digest) throw new DigestMismatchError(what, expected, digest);
  const manifest = parseManifest(bytes, what);
  const mediaType =
    bareMediaType(response.headers.get('content-type')) ??
    (typeof manifest.mediaType === 'string' ? manifest.mediaType : undefined);
  if (!mediaType)
    throw new OciError('INVALID_RESPONSE', `${what} has no media type (no Content-Type, no mediaType field).`);
  return { digest, mediaType, size: bytes.byteLength, bytes, manifest };
}

export async function headManifest(
  ctx: Context,
  repository: string,
  reference: string,
  options?: ManifestOptions,
): Promise<ManifestDescriptor | undefined> {
  const url = manifestUrl(ctx, repository, reference);
  const response = await send(ctx, {
    operation: 'headManifest',
    method: 'HEAD',
    url,
    headers: { accept: acceptHeader(options) },
    signal: options?.signal,
    ok: [200, 404],
    notFound: 'MANIFEST_UNKNOWN',
  });
  await discard(response);
  if (response.status === 404) return undefined;
  const digest = response.headers.get('docker-content-digest') ?? (isDigest(reference) ? reference : null);
  const length = response.headers.get('content-length');
  // Number(null) is 0: a missing Content-Length must not read as an empty blob.
  const size = length !== null && /^\d+$/.test(length) ? Number(length) : Number.NaN;
  const mediaType = bareMediaType(response.headers.get('content-type'));
  // A registry that leaves these out of a HEAD: the GET says all (one more request, only there).
  if (!digest || !mediaType || !Number.isSafeInteger(size)) {
    const full = await getManifest(ctx, repository, reference, options);
    return { digest: full.digest, mediaType: full.mediaType, size: full.size };
  }
  return { digest, mediaType, size };
}

export async function putManifest(
  ctx: Context,
  repository: string,
  reference: string,
  manifest: Manifest | Uint8Array | string,
  options?: PutManifestOptions,
): Promise<PutManifestResult> {
  const url = manifestUrl(ctx, repository, reference);
  const bytes =
    manifest instanceof Uint8Array
      ? manifest
      : new TextEncoder().encode(typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  const parsed =
    manifest instanceof Uint8Array || typeof manifest === 'string' ? parseManifest(bytes, 'The manifest') : manifest;
  const mediaType = options?.mediaType ?? (typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined);
  if (!mediaType) {
    throw new OciError(
      'INVALID_ARGUMENT',
      'The manifest has no mediaType field: pass options.mediaType (the Content-Type to send).',
    );
  }
  const digest = await sha256Of(bytes);
  if (isDigest(reference) && reference !== digest)
    throw new DigestMismatchError('putManifest by digest', reference, digest);
  const response = await send(ctx, {
    operation: 'putManifest',
    method: 'PUT',
    url,
    headers: { 'content-type': mediaType },
    body: bytes as Uint8Array<ArrayBuffer>,
    signal: options?.signal,
    ok: [201],
  });
  await discard(response);
  const announced = response.headers.get('docker-content-digest');
  if (announced?.startsWith('sha256:') && announced !== digest) {
    throw new DigestMismatchError(
      `The registry stored ${repository}:${reference} under another digest`,
      digest,
      announced,
    );
  }
  const location = response.headers.get('location');
  return { digest, location: location ? new URL(location, url).href : undefined };
}

export async function deleteManifest(
  ctx: Context,
  repository: string,
  reference: string,
  options?: CallOptions,
): Promise<void> {
  const response = await send(ctx, {
    operation: 'deleteManifest',
    method: 'DELETE',
    url: manifestUrl(ctx, repository, reference),
    signal: options?.signal,
    ok: [200, 202, 204],
    notFound: 'MANIFEST_UNKNOWN',
  });
  await discard(response);
}
