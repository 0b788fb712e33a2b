// An empty OCI image manifest, pushed to repositories of a registry before a test starts counting its requests.

import { expect } from 'vitest';
import { sha256Digest } from '../../reference/registry.ts';
import { createAuthFetch } from '../../src/index.ts';
import type { PasswordCredential } from '../../src/index.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: {
    mediaType: 'application/vnd.oci.empty.v1+json',
    digest: sha256Digest(new TextEncoder().encode('{}')),
    size: 2,
  },
  layers: [],
});

/** PUTs MANIFEST as `<registry>/v2/<repository>/manifests/<tag>` for each repository; each must answer 201. */
export async function pushManifests(
  registry: string,
  credential: PasswordCredential,
  repositories: string[],
  tag = 'latest',
): Promise<void> {
  const push = createAuthFetch({ credentials: credential });
  for (const repository of repositories) {
    const put = await push(`${registry}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: MANIFEST,
    });
    expect(put.status, repository).toBe(201);
  }
}
