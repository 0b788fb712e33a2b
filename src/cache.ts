// The default token cache: an in-memory LRU bounded by entry count, each entry forgotten after its time to live.

import type { CachedToken, RegistryRecord, TokenCache } from './types.ts';

export interface MemoryTokenCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 1000. */
  maxEntries?: number;
  /** Clock in epoch ms that times entries out (tests). Default `Date.now`. */
  now?: () => number;
}

export class MemoryTokenCache implements TokenCache {
  readonly maxEntries: number;
  // A Map iterates in insertion order: re-inserting on read makes its first key the least recently used.
  readonly #entries = new Map<string, { value: CachedToken | RegistryRecord; until: number }>();
  readonly #now: () => number;

  constructor(options: MemoryTokenCacheOptions = {}) {
    const max = options.maxEntries ?? 1000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxEntries must be a positive integer');
    this.maxEntries = max;
    this.#now = options.now ?? Date.now;
  }

  /** Entries held, including expired ones not yet read or pushed out. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key` (a token unless the key starts with `registry\n`), or undefined once its time is up. */
  get<T = CachedToken>(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.until <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value as T;
  }

  /** Keeps `value` for `ttlMs` milliseconds (for ever without it). */
  set(key: string, value: CachedToken | RegistryRecord, ttlMs = Infinity): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: this.#now() + ttlMs });
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
