// Blob reads: the stream verifies the digest and size as it ends; HEAD and DELETE answers.
import { describe, expect, it } from 'vitest';
import { DigestMismatchError } from '../../src/oci/index.ts';
import { useMsw } from '../support/msw.ts';
import { client, errorBody, lines, registry, rejection, sha256, text } from './helpers.ts';

useMsw();

const data = text('layer bytes '.repeat(1000));
const digest = sha256(data);

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += chunk.byteLength;
  return n;
}

describe('getBlob', () => {
  it('streams the blob and ends cleanly when it hashes to its digest', async () => {
    const seen = registry(
      () => new Response(data as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(data.byteLength) } }),
    );
    const blob = await client().getBlob('team/app', digest);
    expect(blob.digest).toBe(digest);
    expect(blob.size).toBe(data.byteLength);
    expect(await blob.bytes()).toEqual(data);
    expect(lines(seen)).toEqual([`GET /v2/team/app/blobs/${digest}`]);
  });

  it('errors the stream at its end when the content is not the digest', async () => {
    registry(() => new Response('tampered'));
    const blob = await client().getBlob('team/app', digest);
    const error = await rejection(drain(blob.stream));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(error).toMatchObject({ expected: digest, actual: sha256('tampered') });
  });

  it('errors on a size other than the descriptor says, up front or at the end', async () => {
    registry(
      () => new Response(data as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(data.byteLength) } }),
    );
    expect(await rejection(client().getBlob('team/app', digest, { size: 5 }))).toMatchObject({ code: 'SIZE_MISMATCH' });
    // Without a Content-Length the count is kept while streaming.
    registry(() => new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream()));
    const short = await client().getBlob('team/app', digest, { size: data.byteLength + 10 });
    expect(await rejection(short.bytes())).toMatchObject({ code: 'SIZE_MISMATCH' });
    const long = await client().getBlob('team/app', digest, { size: 10 });
    expect(await rejection(long.bytes())).toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('reports BLOB_UNKNOWN as a typed error', async () => {
    registry(() => new Response(errorBody('BLOB_UNKNOWN', 'blob unknown to registry', digest), { status: 404 }));
    expect(await rejection(client().getBlob('team/app', digest))).toMatchObject({
      code: 'BLOB_UNKNOWN',
      status: 404,
      operation: 'getBlob',
    });
  });
});

describe('headBlob and deleteBlob', () => {
  it('HEAD gives digest and size, or undefined on 404', async () => {
    const seen = registry((req) =>
      req.path.endsWith(digest)
        ? new Response(null, { headers: { 'content-length': '12000' } })
        : new Response(null, { status: 404 }),
    );
    expect(await client().headBlob('team/app', digest)).toEqual({ digest, size: 12000 });
    expect(await client().headBlob('team/app', sha256('x'))).toBeUndefined();
    expect(lines(seen)).toEqual([`HEAD /v2/team/app/blobs/${digest}`, `HEAD /v2/team/app/blobs/${sha256('x')}`]);
  });

  it('DELETE accepts 202', async () => {
    const seen = registry(() => new Response(null, { status: 202 }));
    await client().deleteBlob('team/app', digest);
    expect(lines(seen)).toEqual([`DELETE /v2/team/app/blobs/${digest}`]);
  });
});
