// pushBlob: cross-repository mount first when asked, then one PUT for what fits in a chunk, else PATCH chunks
// with Content-Range and a closing PUT. The digest is computed on the way; every body is a buffer, so the auth
// fetch can resend it if a token is refused mid-upload.

import { headBlob } from './blobs.ts';
import { assertSha256Digest, DigestCounter, sha256Of } from './digest.ts';
import { DigestMismatchError, OciError } from './errors.ts';
import { assertRepository, repositoryUrl } from './names.ts';
import { send } from './request.ts';
import type { Context } from './request.ts';
import { pieces, slices, toSource } from './sources.ts';
import type { Source } from './sources.ts';
import type { BlobInfo, BlobSource, PushBlobOptions, PushBlobResult, UploadProgress } from './types.ts';
import { discard } from '../http.ts';

const OCTET_STREAM = { 'content-type': 'application/octet-stream' };

interface Upload {
  ctx: Context;
  repository: string;
  options: PushBlobOptions;
  /** Current upload session URL (each answer names the next). */
  location: URL;
}

function sessionUrl(response: Response, requestUrl: URL, what: string): URL {
  const location = response.headers.get('location');
  if (!location)
    throw new OciError('INVALID_RESPONSE', `${what}: the registry answered ${response.status} without a Location.`);
  return new URL(location, requestUrl); // django-oci sends relative ones
}

/** The session URL with `digest` added, keeping the registry's own parameters (distribution's `_state`) as sent. */
function withDigest(url: URL, digest: string): URL {
  const out = new URL(url);
  out.search = `${out.search ? `${out.search}&` : '?'}digest=${encodeURIComponent(digest)}`;
  return out;
}

function report(options: PushBlobOptions, progress: UploadProgress): void {
  try {
    options.onProgress?.(progress);
  } catch {
    // a progress listener must not break the upload
  }
}

interface Session {
  location: URL;
  /** The registry's `OCI-Chunk-Min-Length`, 0 when it sets none. */
  minChunk: number;
}

/** An upload session a 202 opened (a plain start, or a mount the registry did not do). */
function session(response: Response, url: URL, what: string): Session {
  const minChunk = Number(response.headers.get('oci-chunk-min-length') ?? Number.NaN);
  return { location: sessionUrl(response, url, what), minChunk: Number.isSafeInteger(minChunk) ? minChunk : 0 };
}

/** `POST …/uploads/?mount=&from=`: true when the registry linked the blob; otherwise the session it opened. */
async function mount(
  ctx: Context,
  repository: string,
  digest: string,
  from: string,
  options: PushBlobOptions,
): Promise<Session | true> {
  const url = repositoryUrl(ctx.base, repository, 'blobs/uploads/');
  url.search = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const response = await send(ctx, {
    operation: 'pushBlob',
    method: 'POST',
    url,
    signal: options.signal,
    ok: [201, 202],
  });
  await discard(response);
  return response.status === 201 ? true : session(response, url, 'Blob mount');
}

async function startSession(ctx: Context, repository: string, options: PushBlobOptions): Promise<Session> {
  const url = repositoryUrl(ctx.base, repository, 'blobs/uploads/');
  // An explicit empty body: some registries (django-oci) fail a POST without Content-Length.
  const response = await send(ctx, {
    operation: 'pushBlob',
    method: 'POST',
    url,
    body: new Uint8Array(0),
    signal: options.signal,
    ok: [202],
  });
  await discard(response);
  return session(response, url, 'Blob upload');
}

/** The closing PUT, with the last bytes in its body (all of them for a monolithic upload). */
async function complete(upload: Upload, digest: string, body: Uint8Array): Promise<void> {
  const response = await send(upload.ctx, {
    operation: 'pushBlob',
    method: 'PUT',
    url: withDigest(upload.location, digest),
    headers: OCTET_STREAM,
    body: body as Uint8Array<ArrayBuffer>,
    signal: upload.options.signal,
    ok: [201, 204],
  });
  await discard(response);
  const stored = response.headers.get('docker-content-digest');
  if (stored && stored !== digest)
    throw new DigestMismatchError(
      `The registry stored the blob pushed to ${upload.repository} under another digest`,
      digest,
      stored,
    );
}

async function patch(upload: Upload, offset: number, piece: Uint8Array): Promise<void> {
  const response = await send(upload.ctx, {
    operation: 'pushBlob',
    method: 'PATCH',
    url: upload.location,
    headers: { ...OCTET_STREAM, 'content-range': `${offset}-${offset + piece.byteLength - 1}` },
    body: piece as Uint8Array<ArrayBuffer>,
    signal: upload.options.signal,
    ok: [202, 204],
  });
  await discard(response);
  const range = /^(?:bytes=)?0-(\d+)$/.exec(response.headers.get('range') ?? '');
  const end = offset + piece.byteLength;
  if (range && Number(range[1]) + 1 !== end) {
    throw new OciError(
      'INVALID_RESPONSE',
      `Blob upload to ${upload.repository}: the registry holds ${Number(range[1]) + 1} bytes, ${end} were sent.`,
    );
  }
  if (response.headers.has('location')) upload.location = sessionUrl(response, upload.location, 'Blob upload');
}

function checkContent(options: PushBlobOptions, digest: string, size: number, repository: string): void {
  if (options.digest !== undefined && options.digest !== digest) {
    throw new DigestMismatchError(`Blob pushed to ${repository}`, options.digest, digest);
  }
  if (options.size !== undefined && options.size !== size) {
    throw new OciError('SIZE_MISMATCH', `Blob pushed to ${repository} is ${size} bytes, ${options.size} expected.`);
  }
}

export async function pushBlob(
  ctx: Context,
  repository: string,
  data: BlobSource,
  options: PushBlobOptions = {},
): Promise<PushBlobResult> {
  const chunkSize = checkArguments(ctx, repository, options);
  const source = await toSource(data, chunkSize);
  // In-memory data is hashed first: the mount needs the digest, and a wrong one is caught before any request.
  const known = source.kind === 'bytes' ? await hashed(source.bytes, options, repository) : undefined;
  const total = known?.size ?? options.size ?? (source.kind === 'stream' ? source.size : undefined);
  try {
    const opened = await openSession(ctx, repository, source, known, total, options);
    if ('mounted' in opened) return opened;
    const upload: Upload = { ctx, repository, options, location: opened.location };
    const pieceSize = Math.max(chunkSize, opened.minChunk);
    if (source.kind === 'bytes' && source.bytes.byteLength <= pieceSize) {
      return await finish(upload, known!.digest, 0, source.bytes, total);
    }
    return await sendPieces(upload, source, pieceSize, known, total);
  } catch (error) {
    if (source.kind === 'stream') await source.cancel(error);
    throw error;
  }
}

/** The chunk size to use, once the names and options are valid. */
function checkArguments(ctx: Context, repository: string, options: PushBlobOptions): number {
  assertRepository(repository);
  if (options.digest !== undefined) assertSha256Digest(options.digest);
  if (options.from !== undefined) assertRepository(options.from);
  const chunkSize = options.chunkSize ?? ctx.chunkSize;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    throw new OciError('INVALID_ARGUMENT', 'chunkSize must be a positive integer.');
  return chunkSize;
}

async function hashed(bytes: Uint8Array, options: PushBlobOptions, repository: string): Promise<BlobInfo> {
  const content = { digest: await sha256Of(bytes), size: bytes.byteLength };
  checkContent(options, content.digest, content.size, repository);
  return content;
}

/** The session to upload into; with `options.from`, the result when the registry mounted the blob instead. */
async function openSession(
  ctx: Context,
  repository: string,
  source: Source,
  known: BlobInfo | undefined,
  total: number | undefined,
  options: PushBlobOptions,
): Promise<Session | PushBlobResult> {
  if (options.from === undefined) return startSession(ctx, repository, options);
  const digest = known?.digest ?? options.digest;
  if (!digest)
    throw new OciError('INVALID_ARGUMENT', 'A mount needs the digest up front: pass options.digest with a stream.');
  const mounted = await mount(ctx, repository, digest, options.from, options);
  if (mounted !== true) return mounted;
  if (source.kind === 'stream') await source.cancel();
  const size = total ?? (await headBlob(ctx, repository, digest, options))?.size ?? 0;
  report(options, { transferred: size, total: size });
  return { digest, size, mounted: true };
}

/** PATCHes piece after piece, then the closing PUT with the last one. */
async function sendPieces(
  upload: Upload,
  source: Source,
  pieceSize: number,
  known: BlobInfo | undefined,
  total: number | undefined,
): Promise<PushBlobResult> {
  // In-memory data was hashed already; a stream is hashed as its pieces go by.
  const counter = known ? undefined : new DigestCounter();
  const iterator = source.kind === 'bytes' ? slices(source.bytes, pieceSize) : pieces(source.chunks, pieceSize);
  let current = await iterator.next();
  let offset = 0;
  for (;;) {
    const piece = current.done ? new Uint8Array(0) : current.value;
    counter?.update(piece);
    upload.options.signal?.throwIfAborted();
    const next = current.done ? current : await iterator.next();
    // The last piece rides on the closing PUT: a stream that fits in one chunk costs one PUT.
    if (next.done) return finish(upload, counter ? counter.digest() : known!.digest, offset, piece, total);
    await patch(upload, offset, piece);
    offset += piece.byteLength;
    report(upload.options, { transferred: offset, total });
    current = next;
  }
}

/** The closing PUT with the `last` bytes, after `offset` bytes went in PATCHes. */
async function finish(
  upload: Upload,
  digest: string,
  offset: number,
  last: Uint8Array,
  total: number | undefined,
): Promise<PushBlobResult> {
  const size = offset + last.byteLength;
  checkContent(upload.options, digest, size, upload.repository);
  await complete(upload, digest, last);
  report(upload.options, { transferred: size, total: total ?? size });
  return { digest, size, mounted: false };
}
