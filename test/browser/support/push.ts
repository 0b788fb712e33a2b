// Pushes test content into the reference registry from Node, through the SDK itself.
import { sha256Digest } from '../../../reference/registry.ts';
import { createAuthFetch } from '../../../src/index.ts';
import type { Credential } from '../../../src/index.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface Pushed {
  digest: string;
  text: string;
}

/** A small image manifest whose text is unique to `label`. */
export function manifestText(label: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
    },
    layers: [],
    annotations: { 'org.example.label': label },
  });
}

export function pusher(registryUrl: string, credentials: Credential) {
  const authFetch = createAuthFetch({ credentials });
  return {
    async manifest(repo: string, tag: string, text: string): Promise<Pushed> {
      const res = await authFetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, {
        method: 'PUT',
        headers: { 'content-type': OCI_MANIFEST },
        body: text,
      });
      if (res.status !== 201) throw new Error(`PUT manifest ${repo}:${tag}: HTTP ${res.status}`);
      return { digest: sha256Digest(new TextEncoder().encode(text)), text };
    },
    async blob(repo: string, text: string): Promise<Pushed> {
      const digest = sha256Digest(new TextEncoder().encode(text));
      const start = await authFetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      if (start.status !== 202) throw new Error(`POST upload ${repo}: HTTP ${start.status}`);
      const location = new URL(start.headers.get('location')!, registryUrl);
      location.searchParams.set('digest', digest);
      const put = await authFetch(location, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: text,
      });
      if (put.status !== 201) throw new Error(`PUT blob ${repo}: HTTP ${put.status}`);
      return { digest, text };
    },
  };
}
