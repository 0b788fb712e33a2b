// Test content: deterministic bytes, streams cut in odd pieces, and an image manifest over two blobs.
import { createHash } from 'node:crypto';
import type { ImageManifest } from '../../../src/oci/index.ts';

export const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** `size` pseudo-random bytes (xorshift32), the same for the same seed. */
export function bytesOf(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A stream of `bytes` in pieces of `piece` bytes (not aligned to any chunk size on purpose). */
export function streamOf(bytes: Uint8Array, piece = 65_537): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

export interface TestImage {
  config: Uint8Array;
  layer: Uint8Array;
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  digest: string;
}

export function imageOf(config: Uint8Array, layer: Uint8Array): TestImage {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.byteLength }],
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  return { config, layer, manifest, manifestBytes, digest: sha256(manifestBytes) };
}

export function configOf(label: string): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { label } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
}
