// Bounded body reads: a body past its limit is refused and its stream cancelled, so the connection closes.

import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBytesLimited } from '../src/http.ts';

/** An endless body of 600-byte chunks that records whether it was cancelled. */
function endless() {
  const seen = { cancelled: false, chunks: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.chunks++;
      controller.enqueue(new Uint8Array(600));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
}

describe('readBytesLimited', () => {
  it('reads a body within the limit whole', async () => {
    const bytes = await readBytesLimited(new Response('hello'), 5);
    expect(new TextDecoder().decode(bytes)).toBe('hello');
  });

  it('cancels a body that passes the limit mid-stream (no Content-Length)', async () => {
    const { body, seen } = endless();
    await expect(readBytesLimited(new Response(body), 1000)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(seen.cancelled).toBe(true);
    expect(seen.chunks).toBeLessThanOrEqual(3);
  });

  it('cancels a body whose Content-Length is over the limit without reading it', async () => {
    const { body, seen } = endless();
    const response = new Response(body, { headers: { 'content-length': '5000' } });
    await expect(readBytesLimited(response, 1000)).rejects.toMatchObject({ limit: 1000 });
    expect(seen.cancelled).toBe(true);
  });
});
