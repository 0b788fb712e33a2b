// The default token cache: an in-memory LRU bounded by entry count.

import type { CachedToken, TokenCache } from './types.ts';

export interface MemoryTokenCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 1000. */
  maxEntries?: number;
}

export class MemoryTokenCache implements TokenCache {
  readonly maxEntries: number;
  // A Map iterates in insertion order: re-inserting on read makes its first key the least recently used.
  readonly #entries = new Map<string, CachedToken>();

  constructor(options: MemoryTokenCacheOptions = {}) {
    const max = options.maxEntries ?? 1000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxEntries must be a positive integer');
    this.maxEntries = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CachedToken | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) touch(this.#entries, key, value, this.maxEntries);
    return value;
  }

  set(key: string, value: CachedToken): void {
    touch(this.#entries, key, value, this.maxEntries);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Keep a Map (whose order doubles as LRU order) at `max` entries; `key` moves to the newest end. */
export function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
