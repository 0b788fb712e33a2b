// Referrers of a manifest: the OCI 1.1 referrers API, else the tag schema (`<alg>-<hex>`) that registries
// without the API (distribution 2.8) carry, as the OCI distribution spec prescribes for clients.

import { assertSha256Digest } from './digest.ts';
import { OciError, RegistryError } from './errors.ts';
import { getManifest } from './manifests.ts';
import { OCI_INDEX } from './media-types.ts';
import { repositoryUrl } from './names.ts';
import { readBytes, send } from './request.ts';
import type { Context } from './request.ts';
import type { Descriptor, ImageIndex, ReferrersOptions } from './types.ts';
import { discard } from '../http.ts';

function descriptorsOf(value: unknown, what: string): Descriptor[] {
  const manifests = (value as Partial<ImageIndex> | null)?.manifests;
  if (manifests === undefined || manifests === null) return [];
  if (!Array.isArray(manifests)) throw new OciError('INVALID_RESPONSE', `${what}: "manifests" is not a list.`);
  return manifests as Descriptor[];
}

export async function referrers(
  ctx: Context,
  repository: string,
  digest: string,
  options?: ReferrersOptions,
): Promise<Descriptor[]> {
  assertSha256Digest(digest);
  const url = repositoryUrl(ctx.base, repository, `referrers/${digest}`);
  if (options?.artifactType !== undefined) url.searchParams.set('artifactType', options.artifactType);
  const response = await send(ctx, {
    operation: 'referrers',
    method: 'GET',
    url,
    headers: { accept: OCI_INDEX },
    signal: options?.signal,
    ok: [200, 404],
  });
  const wanted = options?.artifactType;
  const filter = (list: Descriptor[]): Descriptor[] =>
    wanted === undefined ? list : list.filter((d) => d.artifactType === wanted);

  if (response.status === 200) {
    const text = new TextDecoder().decode(await readBytes(response, ctx.maxManifestBytes, 'Referrers index'));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new OciError('INVALID_RESPONSE', 'The referrers answer is not JSON.');
    }
    const list = descriptorsOf(json, 'Referrers index');
    const filtered = (response.headers.get('oci-filters-applied') ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('artifactType');
    return filtered ? list : filter(list);
  }

  await discard(response);
  // No referrers API: the index tagged `sha256-<hex>`, if anyone pushed one.
  try {
    const index = await getManifest(ctx, repository, digest.replace(':', '-'), {
      accept: [OCI_INDEX],
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    return filter(descriptorsOf(index.manifest, 'Referrers tag'));
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return [];
    throw error;
  }
}
