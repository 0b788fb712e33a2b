// Puts small images into a reference registry with plain fetch (a token asked by hand), so that what the
// benchmarks and tests count afterwards is only what the clients under test do.

import { sha256Digest } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';

export interface SeededImage {
  repository: string;
  tag: string;
  manifestDigest: string;
  config: string;
  layers: string[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function pushToken(
  registry: ReferenceRegistry,
  user: string,
  password: string,
  repository: string,
): Promise<string> {
  const url = new URL(registry.realm);
  url.searchParams.set('service', registry.service);
  url.searchParams.set('scope', `repository:${repository}:pull,push`);
  const res = await fetch(url, { headers: { authorization: `Basic ${btoa(`${user}:${password}`)}` } });
  if (res.status !== 200) throw new Error(`seed: token endpoint answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

async function pushBlob(
  registry: ReferenceRegistry,
  authorization: string,
  repository: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const digest = sha256Digest(bytes);
  const res = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (res.status !== 201) throw new Error(`seed: blob upload answered ${res.status}`);
  await res.body?.cancel();
  return digest;
}

/** An image with a config and `layers` layers of `layerBytes` each; the log is cleared afterwards. */
export async function seedImage(
  registry: ReferenceRegistry,
  options: {
    user: string;
    password: string;
    repository: string;
    tag?: string;
    layers?: number;
    layerBytes?: number;
    /** The registry's own auth: 'basic' registries take the credentials on every request. */
    auth?: 'token' | 'basic';
  },
): Promise<SeededImage> {
  const { user, password, repository } = options;
  const tag = options.tag ?? 'latest';
  const token =
    options.auth === 'basic'
      ? `Basic ${btoa(`${user}:${password}`)}`
      : `Bearer ${await pushToken(registry, user, password, repository)}`;
  const enc = new TextEncoder();
  const configBytes = enc.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', repository }));
  const config = await pushBlob(registry, token, repository, configBytes);
  const layers: string[] = [];
  const layerList: unknown[] = [];
  for (let i = 0; i < (options.layers ?? 2); i++) {
    const bytes = new Uint8Array(options.layerBytes ?? 1024).fill(97 + i);
    bytes.set(enc.encode(`${repository}#${i}`));
    const digest = await pushBlob(registry, token, repository, bytes);
    layers.push(digest);
    layerList.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: bytes.byteLength });
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBytes.byteLength },
    layers: layerList,
  });
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { authorization: token, 'content-type': OCI_MANIFEST },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`seed: manifest PUT answered ${res.status}`);
  await res.body?.cancel();
  registry.clearLog();
  return { repository, tag, manifestDigest: sha256Digest(enc.encode(manifest)), config, layers };
}

/** Every bearer token the registry saw (to scan reports for them). */
export function bearerTokensIn(registry: ReferenceRegistry): string[] {
  const out = new Set<string>();
  for (const entry of registry.log) {
    const auth = entry.headers.authorization;
    if (auth?.startsWith('Bearer ')) out.add(auth.slice(7));
  }
  return [...out];
}
