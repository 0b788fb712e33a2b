import { describe, expect, it } from 'vitest';
import { MemoryTokenCache } from '../src/index.ts';

const token = (t: string) => ({ token: t, expiresAt: 2, obtainedAt: 1, scopes: [] });

describe('MemoryTokenCache', () => {
  it('evicts the least recently used entry past maxEntries', () => {
    const cache = new MemoryTokenCache({ maxEntries: 2 });
    cache.set('a', token('a'));
    cache.set('b', token('b'));
    expect(cache.get('a')?.token).toBe('a'); // a is now the most recent
    cache.set('c', token('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.token).toBe('a');
    expect(cache.get('c')?.token).toBe('c');
    expect(cache.size).toBe(2);
  });

  it('stays bounded under many keys and supports delete and clear', () => {
    const cache = new MemoryTokenCache({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, token(String(i)));
    expect(cache.size).toBe(100);
    expect(cache.get('k9999')?.token).toBe('9999');
    cache.delete('k9999');
    expect(cache.get('k9999')).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('rejects a size that is not a positive integer, with a message that says so', () => {
    for (const maxEntries of [0, -1, 1.5, 0.5, NaN, Infinity, '2' as unknown as number]) {
      expect(() => new MemoryTokenCache({ maxEntries })).toThrow(
        new RangeError('maxEntries must be a positive integer'),
      );
    }
  });

  it('holds 1000 entries by default', () => {
    const cache = new MemoryTokenCache();
    expect(cache.maxEntries).toBe(1000);
    expect(new MemoryTokenCache({}).maxEntries).toBe(1000);
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, token(String(i)));
    expect(cache.size).toBe(1000);
    expect(cache.get('k0')?.token).toBe('0');
    cache.set('k1000', token('1000'));
    expect(cache.size).toBe(1000);
    // k0 was just read: k1 was the least recently used.
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k0')?.token).toBe('0');
  });

  it('maxEntries: 1 keeps the newest entry only', () => {
    const cache = new MemoryTokenCache({ maxEntries: 1 });
    expect(cache.maxEntries).toBe(1);
    cache.set('a', token('a'));
    expect(cache.get('a')?.token).toBe('a');
    cache.set('b', token('b'));
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.token).toBe('b');
    cache.set('b', token('b2'));
    expect(cache.size).toBe(1);
    expect(cache.get('b')?.token).toBe('b2');
  });

  it('setting a key again replaces its value and makes it the most recently used', () => {
    const cache = new MemoryTokenCache({ maxEntries: 2 });
    cache.set('a', token('a1'));
    cache.set('b', token('b'));
    cache.set('a', token('a2')); // a is now the most recent, b the least
    expect(cache.size).toBe(2);
    cache.set('c', token('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.token).toBe('a2');
    expect(cache.get('c')?.token).toBe('c');
  });

  it('a miss changes nothing, and delete of an absent key is harmless', () => {
    const cache = new MemoryTokenCache({ maxEntries: 2 });
    cache.set('a', token('a'));
    cache.set('b', token('b'));
    expect(cache.get('zzz')).toBeUndefined();
    cache.delete('zzz');
    expect(cache.size).toBe(2);
    cache.set('c', token('c')); // a is still the least recently used
    expect(cache.get('a')).toBeUndefined();
    expect([cache.get('b')?.token, cache.get('c')?.token]).toEqual(['b', 'c']);
  });

  it('forgets an entry once its time to live is over, by its clock; without one it keeps it', () => {
    let now = 1_000;
    const cache = new MemoryTokenCache({ now: () => now });
    cache.set('short', token('short'), 500);
    cache.set('forever', token('forever'));
    now = 1_499;
    expect(cache.get('short')?.token).toBe('short');
    now = 1_500;
    expect(cache.get('short')).toBeUndefined();
    expect(cache.size).toBe(1); // dropped when read
    now = Number.MAX_SAFE_INTEGER;
    expect(cache.get('forever')?.token).toBe('forever');
  });

  it('setting a key again starts its time to live again', () => {
    let now = 0;
    const cache = new MemoryTokenCache({ now: () => now });
    cache.set('a', token('a1'), 100);
    now = 90;
    cache.set('a', token('a2'), 100);
    now = 150;
    expect(cache.get('a')?.token).toBe('a2');
    now = 190;
    expect(cache.get('a')).toBeUndefined();
  });

  it('keeps registry records as given (plain JSON), under their own keys', () => {
    const cache = new MemoryTokenCache();
    const record = { scheme: 'bearer' as const, realm: 'https://auth.example/token', service: 'r' };
    cache.set('registry\nhttps://r.example', record, 3_600_000);
    expect(cache.get('registry\nhttps://r.example')).toEqual(record);
  });
});
