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

  it('rejects a nonsensical size', () => {
    expect(() => new MemoryTokenCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
