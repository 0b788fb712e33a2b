// Seeds the reference registry with a few repositories, tags and manifests for the registry UI.
// Everything is pushed through the SDK itself (Node side), as the demo user.
import { sha256Digest } from '../../reference/registry.ts';
import { createAuthFetch } from '../../src/index.ts';
import type { AuthFetch, Credential } from '../../src/index.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** The account the UI logs in with; `team/*` repositories are private to it. */
export const DEMO_USER = { username: 'demo', password: 'demo-password' } as const;

interface Platform {
  os: string;
  architecture: string;
}

/** One image: its config platform, and its layers by size in bytes. */
interface ImageSpec {
  platform: Platform;
  created: string;
  layers: number[];
}

/** A tag is an image, or an index of images (multi-platform). */
type TagSpec = ImageSpec | { index: ImageSpec[] };

/** Repository -> tag -> content. Sizes are exact: the UI test asserts them. */
export const SEED: Record<string, Record<string, TagSpec>> = {
  'library/hello': {
    latest: { platform: { os: 'linux', architecture: 'amd64' }, created: '2030-01-02T03:04:05Z', layers: [13_256] },
  },
  'library/alpine': {
    '3.20': {
      index: [
        { platform: { os: 'linux', architecture: 'amd64' }, created: '2030-02-01T00:00:00Z', layers: [3_623_807] },
        { platform: { os: 'linux', architecture: 'arm64' }, created: '2030-02-01T00:00:00Z', layers: [4_090_128] },
      ],
    },
    '3.19': { platform: { os: 'linux', architecture: 'amd64' }, created: '2029-11-30T00:00:00Z', layers: [3_412_502] },
  },
  'team/api': {
    'v1.0.0': {
      platform: { os: 'linux', architecture: 'amd64' },
      created: '2030-03-01T09:00:00Z',
      layers: [29_124_000, 1_048_576, 524_288],
    },
    'v1.1.0': {
      platform: { os: 'linux', architecture: 'amd64' },
      created: '2030-03-15T09:00:00Z',
      layers: [29_124_000, 1_204_224, 733_421, 2_048],
    },
  },
  'team/web': {
    main: {
      platform: { os: 'linux', architecture: 'arm64' },
      created: '2030-04-01T12:00:00Z',
      layers: [7_340_032, 98_304],
    },
  },
};

/** Repositories anonymous visitors may pull. */
export const PUBLIC_REPOSITORIES = ['library/hello', 'library/alpine'];

/** Deterministic filler bytes (xorshift32), so digests are stable from run to run. */
function bytesOf(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const json = (value: unknown): Uint8Array<ArrayBuffer> => new TextEncoder().encode(JSON.stringify(value));

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

class Pusher {
  readonly #fetch: AuthFetch;
  readonly #base: string;
  /** Blobs already in each repository (layers are shared between tags). */
  readonly #pushed = new Set<string>();

  constructor(registryUrl: string, credentials: Credential) {
    this.#fetch = createAuthFetch({ credentials });
    this.#base = `${registryUrl}/v2/`;
  }

  async blob(repo: string, mediaType: string, bytes: Uint8Array<ArrayBuffer>): Promise<Descriptor> {
    const digest = sha256Digest(bytes);
    const descriptor = { mediaType, digest, size: bytes.byteLength };
    if (this.#pushed.has(`${repo}@${digest}`)) return descriptor;
    const start = await this.#fetch(`${this.#base}${repo}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`upload start for ${repo}: HTTP ${start.status}`);
    const location = new URL(start.headers.get('location')!, this.#base);
    location.searchParams.set('digest', digest);
    const put = await this.#fetch(location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`blob ${digest} for ${repo}: HTTP ${put.status}`);
    this.#pushed.add(`${repo}@${digest}`);
    return descriptor;
  }

  async manifest(
    repo: string,
    reference: string,
    mediaType: string,
    bytes: Uint8Array<ArrayBuffer>,
  ): Promise<Descriptor> {
    const put = await this.#fetch(`${this.#base}${repo}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`manifest ${repo}:${reference}: HTTP ${put.status}`);
    return { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength };
  }

  /** Pushes an image's config and layers and its manifest (by digest, or under `tag`). */
  async image(repo: string, spec: ImageSpec, tag?: string): Promise<Descriptor> {
    const layers: Descriptor[] = [];
    for (const size of spec.layers) layers.push(await this.blob(repo, OCI_LAYER, bytesOf(size, size)));
    const config = await this.blob(
      repo,
      OCI_CONFIG,
      json({
        created: spec.created,
        ...spec.platform,
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    );
    const manifest = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers });
    const pushed = await this.manifest(repo, tag ?? sha256Digest(manifest), OCI_MANIFEST, manifest);
    return { ...pushed, platform: spec.platform };
  }
}

/** Pushes SEED into the registry. */
export async function seedRegistry(registryUrl: string): Promise<void> {
  const pusher = new Pusher(registryUrl, DEMO_USER);
  for (const [repo, tags] of Object.entries(SEED)) {
    for (const [tag, spec] of Object.entries(tags)) {
      if ('index' in spec) {
        const manifests: Descriptor[] = [];
        for (const image of spec.index) manifests.push(await pusher.image(repo, image));
        await pusher.manifest(repo, tag, OCI_INDEX, json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
      } else {
        await pusher.image(repo, spec, tag);
      }
    }
  }
}
