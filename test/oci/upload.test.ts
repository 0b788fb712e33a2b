// pushBlob request by request: monolithic, chunked with Content-Range, mounts, progress and content checks.
import { describe, expect, it } from 'vitest';
import { DigestMismatchError } from '../../src/oci/index.ts';
import type { UploadProgress } from '../../src/oci/index.ts';
import { useMsw } from '../support/msw.ts';
import { client, errorBody, lines, registry, rejection, sha256, text } from './helpers.ts';
import type { Seen } from './helpers.ts';

useMsw();

const STATE = '_state=abc%3D%3D';

/** A registry's upload endpoints: sessions with distribution-style Locations carrying `_state`. */
function uploads(options: { mountable?: string[]; relative?: boolean; minChunk?: number } = {}): Seen[] {
  let received = 0;
  return registry((req) => {
    const url = new URL(req.path, 'https://registry.test');
    // django-oci answers a POST to `…/uploads/` with the bare `<uuid>`, relative to the request path.
    const session = options.relative ? 'u1' : `/v2/team/app/blobs/uploads/u1?${STATE}`;
    if (req.method === 'POST') {
      const mount = url.searchParams.get('mount');
      if (mount && options.mountable?.includes(mount)) {
        return new Response(null, {
          status: 201,
          headers: { location: `/v2/team/app/blobs/${mount}`, 'docker-content-digest': mount },
        });
      }
      const headers: Record<string, string> = { location: session, range: '0-0' };
      if (options.minChunk) headers['oci-chunk-min-length'] = String(options.minChunk);
      return new Response(null, { status: 202, headers });
    }
    if (req.method === 'PATCH') {
      received += req.body.byteLength;
      return new Response(null, { status: 202, headers: { location: session, range: `0-${received - 1}` } });
    }
    const digest = url.searchParams.get('digest')!;
    return new Response(null, {
      status: 201,
      headers: { location: `/v2/team/app/blobs/${digest}`, 'docker-content-digest': digest },
    });
  });
}

function streamOf(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

const data = new Uint8Array(2500).map((_, i) => (i * 7) & 0xff);
const digest = sha256(data);

describe('pushBlob: monolithic', () => {
  it('POSTs an empty body, then PUTs the bytes with the digest appended to the session URL', async () => {
    const seen = uploads();
    const progress: UploadProgress[] = [];
    const pushed = await client().pushBlob('team/app', data, { onProgress: (p) => progress.push(p) });
    expect(pushed).toEqual({ digest, size: 2500, mounted: false });
    expect(lines(seen)).toEqual([
      'POST /v2/team/app/blobs/uploads/',
      `PUT /v2/team/app/blobs/uploads/u1?${STATE}&digest=${encodeURIComponent(digest)}`,
    ]);
    expect(seen[0]!.headers['content-length']).toBe('0');
    expect(seen[1]!.body).toEqual(data);
    expect(seen[1]!.headers['content-type']).toBe('application/octet-stream');
    expect(progress).toEqual([{ transferred: 2500, total: 2500 }]);
  });

  it('takes strings, ArrayBuffers and Blobs as bytes', async () => {
    for (const input of [
      new TextDecoder('latin1').decode(text('hello')),
      text('hello').buffer as ArrayBuffer,
      new Blob(['hello']),
    ]) {
      const seen = uploads();
      expect(await client().pushBlob('team/app', input)).toEqual({ digest: sha256('hello'), size: 5, mounted: false });
      expect(seen[1]!.body).toEqual(text('hello'));
    }
  });

  it('resolves relative Locations against the request URL (django-oci)', async () => {
    const seen = uploads({ relative: true });
    await client().pushBlob('team/app', data);
    expect(lines(seen)[1]).toBe(`PUT /v2/team/app/blobs/uploads/u1?digest=${encodeURIComponent(digest)}`);
  });

  it('refuses content that is not the digest or size promised, before any request', async () => {
    const seen = uploads();
    expect(await rejection(client().pushBlob('team/app', data, { digest: sha256('x') }))).toBeInstanceOf(
      DigestMismatchError,
    );
    expect(await rejection(client().pushBlob('team/app', data, { size: 1 }))).toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(await rejection(client().pushBlob('team/app', data, { digest: 'md5:abc' }))).toMatchObject({
      code: 'UNSUPPORTED_DIGEST',
    });
    expect(await rejection(client().pushBlob('team/app', 42 as never))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(seen).toEqual([]);
  });
});

describe('pushBlob: chunked', () => {
  it('PATCHes full chunks with Content-Range, computes the digest on the way, and closes with the last piece', async () => {
    const seen = uploads();
    const progress: UploadProgress[] = [];
    const pushed = await client({ chunkSize: 1000 }).pushBlob('team/app', streamOf(data, 333), {
      onProgress: (p) => progress.push(p),
    });
    expect(pushed).toEqual({ digest, size: 2500, mounted: false });
    expect(lines(seen)).toEqual([
      'POST /v2/team/app/blobs/uploads/',
      `PATCH /v2/team/app/blobs/uploads/u1?${STATE}`,
      `PATCH /v2/team/app/blobs/uploads/u1?${STATE}`,
      `PUT /v2/team/app/blobs/uploads/u1?${STATE}&digest=${encodeURIComponent(digest)}`,
    ]);
    expect(
      seen.slice(1).map((s) => [s.headers['content-range'], s.headers['content-length'], s.headers['content-type']]),
    ).toEqual([
      ['0-999', '1000', 'application/octet-stream'],
      ['1000-1999', '1000', 'application/octet-stream'],
      [undefined, '500', 'application/octet-stream'],
    ]);
    const sent = new Uint8Array(2500);
    sent.set(seen[1]!.body, 0);
    sent.set(seen[2]!.body, 1000);
    sent.set(seen[3]!.body, 2000);
    expect(sent).toEqual(data);
    expect(progress).toEqual([
      { transferred: 1000, total: undefined },
      { transferred: 2000, total: undefined },
      { transferred: 2500, total: 2500 },
    ]);
  });

  it('sends a stream that fits in one chunk as one PUT, and an exact multiple without an empty PATCH', async () => {
    let seen = uploads();
    await client({ chunkSize: 4096 }).pushBlob('team/app', streamOf(data, 100));
    expect(lines(seen).map((l) => l.split(' ')[0])).toEqual(['POST', 'PUT']);
    expect(seen[1]!.body).toEqual(data);

    seen = uploads();
    await client({ chunkSize: 1250 }).pushBlob('team/app', streamOf(data, 100), { size: 2500 });
    expect(lines(seen).map((l) => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'PUT']);
    expect(seen[2]!.body.byteLength).toBe(1250);
  });

  it('cuts in-memory data larger than a chunk into PATCH slices, hashed once up front', async () => {
    const seen = uploads();
    const progress: UploadProgress[] = [];
    expect(
      await client({ chunkSize: 1000 }).pushBlob('team/app', data, { onProgress: (p) => progress.push(p) }),
    ).toEqual({ digest, size: 2500, mounted: false });
    expect(lines(seen).map((l) => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'PATCH', 'PUT']);
    expect(seen.slice(1).map((s) => [s.headers['content-range'], s.body.byteLength])).toEqual([
      ['0-999', 1000],
      ['1000-1999', 1000],
      [undefined, 500],
    ]);
    expect(progress).toEqual([
      { transferred: 1000, total: 2500 },
      { transferred: 2000, total: 2500 },
      { transferred: 2500, total: 2500 },
    ]);
  });

  it('uploads an empty stream as the empty blob', async () => {
    const seen = uploads();
    const empty = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    expect(await client().pushBlob('team/app', empty)).toEqual({ digest: sha256(''), size: 0, mounted: false });
    expect(lines(seen)).toEqual([
      'POST /v2/team/app/blobs/uploads/',
      `PUT /v2/team/app/blobs/uploads/u1?${STATE}&digest=${encodeURIComponent(sha256(''))}`,
    ]);
  });

  it('reads async iterables and large Blobs as streams', async () => {
    async function* pieces(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < data.length; i += 700) yield data.slice(i, i + 700);
    }
    let seen = uploads();
    expect(await client({ chunkSize: 1000 }).pushBlob('team/app', pieces())).toEqual({
      digest,
      size: 2500,
      mounted: false,
    });
    expect(lines(seen).map((l) => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'PATCH', 'PUT']);

    seen = uploads();
    const progress: UploadProgress[] = [];
    await client({ chunkSize: 1000 }).pushBlob('team/app', new Blob([data as Uint8Array<ArrayBuffer>]), {
      onProgress: (p) => progress.push(p),
    });
    expect(lines(seen).map((l) => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'PATCH', 'PUT']);
    expect(progress.map((p) => p.total)).toEqual([2500, 2500, 2500]);
  });

  it('honours OCI-Chunk-Min-Length when it is larger than the chunk size', async () => {
    const seen = uploads({ minChunk: 2000 });
    await client({ chunkSize: 1000 }).pushBlob('team/app', streamOf(data, 500));
    expect(seen.slice(1).map((s) => s.body.byteLength)).toEqual([2000, 500]);
  });

  it('stops before completing when the stream is not the digest promised', async () => {
    const seen = uploads();
    const error = await rejection(
      client({ chunkSize: 1000 }).pushBlob('team/app', streamOf(data, 500), { digest: sha256('other') }),
    );
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(lines(seen).map((l) => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'PATCH']);
  });

  it('stops when the registry acknowledges another offset than was sent', async () => {
    registry((req) =>
      req.method === 'POST'
        ? new Response(null, { status: 202, headers: { location: '/v2/team/app/blobs/uploads/u1' } })
        : new Response(null, { status: 202, headers: { location: '/v2/team/app/blobs/uploads/u1', range: '0-10' } }),
    );
    expect(await rejection(client({ chunkSize: 1000 }).pushBlob('team/app', streamOf(data, 500)))).toMatchObject({
      code: 'INVALID_RESPONSE',
    });
  });

  it('cancels the source stream when the upload fails', async () => {
    registry((req) =>
      req.method === 'POST'
        ? new Response(null, { status: 202, headers: { location: '/v2/team/app/blobs/uploads/u1' } })
        : new Response(errorBody('BLOB_UPLOAD_INVALID', 'blob upload invalid'), { status: 400 }),
    );
    let cancelled: unknown;
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(600));
        sent++;
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const error = await rejection(client({ chunkSize: 1000 }).pushBlob('team/app', source));
    expect(error).toMatchObject({ code: 'BLOB_UPLOAD_INVALID', status: 400, method: 'PATCH', operation: 'pushBlob' });
    expect(cancelled).toBe(error);
    expect(sent).toBeLessThan(10);
  });
});

describe('pushBlob: cross-repository mount', () => {
  it('mounts with one POST when the registry has the blob in the source repository', async () => {
    const seen = uploads({ mountable: [digest] });
    const progress: UploadProgress[] = [];
    expect(
      await client().pushBlob('team/app', data, { from: 'team/base', onProgress: (p) => progress.push(p) }),
    ).toEqual({ digest, size: 2500, mounted: true });
    expect(lines(seen)).toEqual([
      `POST /v2/team/app/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=team%2Fbase`,
    ]);
    expect(progress).toEqual([{ transferred: 2500, total: 2500 }]);
  });

  it('mounts a stream by its given digest without reading it, learning the size by HEAD when not given', async () => {
    const seen = registry((req) =>
      req.method === 'POST'
        ? new Response(null, { status: 201, headers: { location: `/v2/team/app/blobs/${digest}` } })
        : new Response(null, { status: 200, headers: { 'content-length': '2500' } }),
    );
    let pulled = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.close();
      },
    });
    expect(await client().pushBlob('team/app', source, { from: 'team/base', digest })).toEqual({
      digest,
      size: 2500,
      mounted: true,
    });
    expect(lines(seen)).toEqual([
      `POST /v2/team/app/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=team%2Fbase`,
      `HEAD /v2/team/app/blobs/${digest}`,
    ]);
    expect(pulled).toBeLessThanOrEqual(1); // at most the stream's own first pull; nothing consumed by us
  });

  it('uploads into the session the failed mount opened, without a second POST', async () => {
    const seen = uploads({ mountable: [] });
    expect(await client().pushBlob('team/app', data, { from: 'team/base' })).toEqual({
      digest,
      size: 2500,
      mounted: false,
    });
    expect(lines(seen).map((l) => l.split('?')[0])).toEqual([
      'POST /v2/team/app/blobs/uploads/',
      'PUT /v2/team/app/blobs/uploads/u1',
    ]);
  });

  it('needs the digest up front to mount a stream', async () => {
    const seen = uploads();
    expect(await rejection(client().pushBlob('team/app', streamOf(data, 100), { from: 'team/base' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(seen).toEqual([]);
  });
});
