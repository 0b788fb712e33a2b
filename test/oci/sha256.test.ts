// The incremental SHA-256 against node:crypto: known vectors, every block boundary, and arbitrary splits.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Of, Sha256 } from '../../src/oci/index.ts';

const nodeHex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(text('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(new Sha256().update(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex()).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    const million = new Sha256();
    for (let i = 0; i < 1000; i++) million.update(text('a'.repeat(1000)));
    expect(million.hex()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with node:crypto on every length around the padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(new Sha256().update(bytes).hex(), `length ${n}`).toBe(nodeHex(bytes));
    }
  });

  it('gives the same hash however the input is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(700), { maxLength: 12 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const hash = new Sha256();
        let from = 0;
        for (const to of [...points, bytes.length]) {
          hash.update(bytes.subarray(from, to));
          from = to;
        }
        expect(hash.hex()).toBe(nodeHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to be fed or read after its digest', () => {
    const hash = new Sha256();
    hash.digest();
    expect(() => hash.update(text('x'))).toThrow(/after digest/);
    expect(() => hash.digest()).toThrow(/twice/);
  });

  it('sha256Of gives the digest form, with or without WebCrypto', async () => {
    const bytes = text('hello');
    const expected = `sha256:${nodeHex(bytes)}`;
    expect(await sha256Of(bytes)).toBe(expected);
    const subtle = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true });
    try {
      expect(await sha256Of(bytes)).toBe(expected);
    } finally {
      Object.defineProperty(globalThis, 'crypto', subtle!);
    }
  });
});
