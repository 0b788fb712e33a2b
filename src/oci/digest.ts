// Content digests: parsing, hashing whole buffers, and verifying streams as they pass.

import { DigestMismatchError, OciError } from './errors.ts';
import { Sha256 } from './sha256.ts';

const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Throws INVALID_ARGUMENT unless `digest` is a well-formed digest, and UNSUPPORTED_DIGEST unless it is sha256. */
export function assertSha256Digest(digest: string): void {
  if (typeof digest !== 'string' || !DIGEST_RE.test(digest)) {
    throw new OciError('INVALID_ARGUMENT', `Not a digest: ${JSON.stringify(digest)} (expected algorithm:encoded).`);
  }
  if (!digest.startsWith('sha256:')) {
    throw new OciError('UNSUPPORTED_DIGEST', `Only sha256 digests can be verified; got ${digest.split(':')[0]}.`);
  }
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new OciError('INVALID_ARGUMENT', 'A sha256 digest has 64 lower-case hex characters.');
  }
}

export function isDigest(reference: string): boolean {
  return DIGEST_RE.test(reference);
}

const hex = (bytes: Uint8Array): string => {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
};

/** `sha256:<hex>` of a buffer: WebCrypto where it exists (it is absent on insecure browser origins). */
export async function sha256Of(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return `sha256:${hex(new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)))}`;
  return `sha256:${new Sha256().update(bytes).hex()}`;
}

/** Hashes bytes as they go by; `digest()` once the last one has passed. */
export class DigestCounter {
  readonly #hash = new Sha256();
  size = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.size += chunk.byteLength;
  }

  digest(): string {
    return `sha256:${this.#hash.hex()}`;
  }
}

/**
 * A pass-through stream that errors at its end when the content does not hash to `expected` (or has another
 * size than `expectedSize`), so a consumer never mistakes a corrupt or truncated blob for a good one.
 */
export function verifyingStream(
  what: string,
  expected: string,
  expectedSize?: number,
): TransformStream<Uint8Array, Uint8Array> {
  const counter = new DigestCounter();
  return new TransformStream({
    transform(chunk, controller) {
      counter.update(chunk);
      if (expectedSize !== undefined && counter.size > expectedSize) {
        controller.error(
          new OciError('SIZE_MISMATCH', `${what}: more than the expected ${expectedSize} bytes arrived.`),
        );
        return;
      }
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (expectedSize !== undefined && counter.size !== expectedSize) {
        controller.error(
          new OciError('SIZE_MISMATCH', `${what}: ${counter.size} bytes arrived, ${expectedSize} expected.`),
        );
        return;
      }
      const actual = counter.digest();
      if (actual !== expected) controller.error(new DigestMismatchError(what, expected, actual));
    },
  });
}
