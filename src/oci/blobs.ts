// Blob reads: a verified stream, a HEAD, and delete.

import { assertSha256Digest, verifyingStream } from './digest.ts';
import { OciError } from './errors.ts';
import { repositoryUrl } from './names.ts';
import { concat, send } from './request.ts';
import type { Context } from './request.ts';
import type { BlobDownload, BlobInfo, CallOptions, GetBlobOptions } from './types.ts';
import { discard } from '../http.ts';

function blobUrl(ctx: Context, repository: string, digest: string): URL {
  assertSha256Digest(digest);
  return repositoryUrl(ctx.base, repository, `blobs/${digest}`);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks);
    chunks.push(value);
  }
}

export async function getBlob(
  ctx: Context,
  repository: string,
  digest: string,
  options?: GetBlobOptions,
): Promise<BlobDownload> {
  const url = blobUrl(ctx, repository, digest);
  const response = await send(ctx, {
    operation: 'getBlob',
    method: 'GET',
    url,
    signal: options?.signal,
    ok: [200],
    notFound: 'BLOB_UNKNOWN',
  });
  // Content-Length counts encoded bytes: it says nothing about the blob when a proxy compressed it.
  const length = response.headers.has('content-encoding') ? null : response.headers.get('content-length');
  const announced = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  const expectedSize = options?.size ?? announced;
  if (options?.size !== undefined && announced !== undefined && announced !== options.size) {
    await discard(response);
    throw new OciError(
      'SIZE_MISMATCH',
      `Blob ${digest} in ${repository} is ${announced} bytes, ${options.size} expected.`,
    );
  }
  const source = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  const stream = source.pipeThrough(verifyingStream(`Blob ${digest} in ${repository}`, digest, expectedSize));
  return {
    digest,
    size: expectedSize,
    stream,
    bytes: () => readAll(stream),
  };
}

export async function headBlob(
  ctx: Context,
  repository: string,
  digest: string,
  options?: CallOptions,
): Promise<BlobInfo | undefined> {
  const response = await send(ctx, {
    operation: 'headBlob',
    method: 'HEAD',
    url: blobUrl(ctx, repository, digest),
    signal: options?.signal,
    ok: [200, 404],
    notFound: 'BLOB_UNKNOWN',
  });
  await discard(response);
  if (response.status === 404) return undefined;
  const length = response.headers.get('content-length');
  // Number(null) is 0: a missing Content-Length must not read as an empty blob.
  const size = length !== null && /^\d+$/.test(length) ? Number(length) : Number.NaN;
  if (!Number.isSafeInteger(size))
    throw new OciError('INVALID_RESPONSE', `HEAD of blob ${digest} in ${repository} gave no size.`);
  return { digest, size };
}

export async function deleteBlob(
  ctx: Context,
  repository: string,
  digest: string,
  options?: CallOptions,
): Promise<void> {
  const response = await send(ctx, {
    operation: 'deleteBlob',
    method: 'DELETE',
    url: blobUrl(ctx, repository, digest),
    signal: options?.signal,
    ok: [200, 202, 204],
    notFound: 'BLOB_UNKNOWN',
  });
  await discard(response);
}
