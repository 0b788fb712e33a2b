// What pushBlob accepts, reduced to two shapes: bytes in memory, or a stream read chunk by chunk.

import { OciError } from './errors.ts';
import type { BlobSource } from './types.ts';

export type Source =
  | { kind: 'bytes'; bytes: Uint8Array }
  | {
      kind: 'stream';
      chunks: AsyncIterator<Uint8Array>;
      size: number | undefined;
      cancel(reason?: unknown): Promise<void>;
    };

function fromReadable(stream: ReadableStream<Uint8Array>, size: number | undefined): Source {
  // getReader, not async iteration: Safari's ReadableStream is not iterable.
  const reader = stream.getReader();
  return {
    kind: 'stream',
    size,
    chunks: {
      next: async () => {
        const { done, value } = await reader.read();
        return done ? { done: true, value: undefined } : { done: false, value };
      },
    },
    cancel: (reason) => reader.cancel(reason).catch(() => {}),
  };
}

/** Blobs up to `inMemoryLimit` bytes are read whole (and hashed up front); larger ones stream. */
export async function toSource(data: BlobSource, inMemoryLimit: number): Promise<Source> {
  if (typeof data === 'string') return { kind: 'bytes', bytes: new TextEncoder().encode(data) };
  if (data instanceof Uint8Array) return { kind: 'bytes', bytes: data };
  if (data instanceof ArrayBuffer) return { kind: 'bytes', bytes: new Uint8Array(data) };
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    if (data.size <= inMemoryLimit) return { kind: 'bytes', bytes: new Uint8Array(await data.arrayBuffer()) };
    return fromReadable(data.stream() as ReadableStream<Uint8Array>, data.size);
  }
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) return fromReadable(data, undefined);
  if (data && typeof (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    const iterator = (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    return {
      kind: 'stream',
      size: undefined,
      chunks: iterator,
      cancel: async (reason) => {
        await iterator.return?.(reason)?.catch?.(() => {});
      },
    };
  }
  throw new OciError(
    'INVALID_ARGUMENT',
    'pushBlob takes bytes, a string, a Blob, a ReadableStream or an async iterable of bytes.',
  );
}

/**
 * Regroups a stream's chunks into pieces of exactly `size` bytes (the last may be shorter, and is empty only
 * when the whole stream is).
 */
export async function* pieces(
  chunks: AsyncIterator<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  let yielded = false;
  for (;;) {
    const { done, value } = await chunks.next();
    if (done) break;
    if (!(value instanceof Uint8Array))
      throw new OciError('INVALID_ARGUMENT', 'A blob stream must yield Uint8Array chunks.');
    let offset = 0;
    while (offset < value.byteLength) {
      const take = Math.min(size - filled, value.byteLength - offset);
      buffer.set(value.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === size) {
        yield buffer;
        yielded = true;
        // A fresh buffer: the piece just handed out may still be in flight.
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !yielded) yield buffer.subarray(0, filled);
}

/** In-memory bytes in pieces of `size` bytes, without copying. */
export async function* slices(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array, void, undefined> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}
