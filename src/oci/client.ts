// createOciClient: the typed OCI operations of one registry, over an auth fetch.

import { createAuthFetch } from '../auth-fetch.ts';
import type { AuthFetchOptions } from '../auth-fetch.ts';
import { deleteBlob, getBlob, headBlob } from './blobs.ts';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifests.ts';
import { discard, registryBaseUrl } from '../http.ts';
import { catalogPages, collect, tagPages } from './pagination.ts';
import { referrers } from './referrers.ts';
import { OciError } from './errors.ts';
import { send } from './request.ts';
import type { Context } from './request.ts';
import type { CallOptions, OciClient, OciClientOptions, PingResult } from './types.ts';
import { pushBlob } from './upload.ts';

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

async function ping(ctx: Context, options?: CallOptions): Promise<PingResult> {
  const url = new URL('/v2/', ctx.base);
  const response = await send(ctx, { operation: 'ping', method: 'GET', url, signal: options?.signal, ok: [200, 404] });
  if (response.status === 404) {
    await discard(response);
    throw new OciError(
      'NOT_A_REGISTRY',
      `ping failed: ${url.href} answered 404, so ${ctx.base.host} is not an OCI registry (or not at this URL's root).`,
    );
  }
  await discard(response);
  return { apiVersion: response.headers.get('docker-distribution-api-version') ?? undefined };
}

/**
 * Operations on one registry. Every request goes through the auth fetch, which asks each token for exactly
 * what the request's route needs (a push asks `pull,push`, a mount adds `pull` on the source), so no
 * operation meets a 401 that a better-scoped token would have avoided.
 */
export function createOciClient(options: OciClientOptions): OciClient {
  const { registry, authFetch, chunkSize, maxManifestBytes, ...authOptions } = options;
  const ctx: Context = {
    base: registryBaseUrl(registry),
    fetch: authFetch ?? createAuthFetch(authOptions as AuthFetchOptions),
    chunkSize: chunkSize ?? DEFAULT_CHUNK_SIZE,
    maxManifestBytes: maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
  };
  return {
    registry: ctx.base,
    fetch: ctx.fetch,
    ping: (o) => ping(ctx, o),
    getManifest: (repository, reference, o) => getManifest(ctx, repository, reference, o),
    headManifest: (repository, reference, o) => headManifest(ctx, repository, reference, o),
    putManifest: (repository, reference, manifest, o) => putManifest(ctx, repository, reference, manifest, o),
    deleteManifest: (repository, reference, o) => deleteManifest(ctx, repository, reference, o),
    getBlob: (repository, digest, o) => getBlob(ctx, repository, digest, o),
    headBlob: (repository, digest, o) => headBlob(ctx, repository, digest, o),
    deleteBlob: (repository, digest, o) => deleteBlob(ctx, repository, digest, o),
    pushBlob: (repository, data, o) => pushBlob(ctx, repository, data, o),
    listTags: (repository, o) => collect(tagPages(ctx, repository, o)),
    tagPages: (repository, o) => tagPages(ctx, repository, o),
    catalog: (o) => collect(catalogPages(ctx, o)),
    catalogPages: (o) => catalogPages(ctx, o),
    referrers: (repository, digest, o) => referrers(ctx, repository, digest, o),
  };
}
