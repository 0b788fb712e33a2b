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
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: CachedToken): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
