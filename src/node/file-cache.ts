// A TokenCache in one JSON file, so that tokens and what registries taught outlive a process (the CLI's, between
// runs). The file is mode 0600 in a folder made 0700; each entry carries the time it expires, and expired entries are
// dropped whenever the file is written. A write re-reads the file, applies its change and writes the whole to a
// temporary file renamed over the old one: a reader never sees half a file, and two processes writing at once cannot
// corrupt it (the last rename wins; an entry lost that way costs a token fetch). A file that is missing, unreadable
// or not what this class writes is an empty cache, never an error.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CachedToken, RegistryRecord, TokenCache } from '../types.ts';

type Value = CachedToken | RegistryRecord;

interface Entry {
  value: Value;
  /** Epoch ms. */
  expires: number;
}

export interface FileTokenCacheOptions {
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** What the file holds. */
const VERSION = 1;

export class FileTokenCache implements TokenCache {
  readonly file: string;
  readonly #now: () => number;
  /** The file as last read or written by this process: reads come from here (one read per process). */
  #entries: Promise<Map<string, Entry>> | undefined;
  /** This process's writes, one at a time. */
  #writes: Promise<unknown> = Promise.resolve();

  constructor(file: string, options: FileTokenCacheOptions = {}) {
    this.file = file;
    this.#now = options.now ?? Date.now;
  }

  /** The value under `key` (a token unless the key starts with `registry\n`), or undefined once its time is up. */
  async get<T = CachedToken>(key: string): Promise<T | undefined> {
    this.#entries ??= this.#read();
    const entry = (await this.#entries).get(key);
    return entry !== undefined && entry.expires > this.#now() ? (entry.value as T) : undefined;
  }

  set(key: string, value: Value, ttlMs: number): Promise<void> {
    return this.#update((entries) => entries.set(key, { value, expires: this.#now() + ttlMs }));
  }

  delete(key: string): Promise<void> {
    return this.#update((entries) => entries.delete(key));
  }

  /** Forgets every entry (the file stays, empty). */
  clear(): Promise<void> {
    return this.#update((entries) => entries.clear());
  }

  /** The unexpired entries of the file; none when it is missing, unreadable or not ours. */
  async #read(): Promise<Map<string, Entry>> {
    const now = this.#now();
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as { version?: unknown; entries?: unknown };
      if (data?.version !== VERSION || typeof data.entries !== 'object' || data.entries === null) return new Map();
      return new Map(
        Object.entries(data.entries as Record<string, Partial<Entry> | null>).filter(
          (pair): pair is [string, Entry] =>
            typeof pair[1]?.expires === 'number' && pair[1].expires > now && 'value' in pair[1],
        ),
      );
    } catch {
      return new Map();
    }
  }

  #update(change: (entries: Map<string, Entry>) => void): Promise<void> {
    const write = this.#writes.then(async () => {
      // Read again: what another process wrote since keeps its place.
      const entries = await this.#read();
      change(entries);
      this.#entries = Promise.resolve(entries);
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify({ version: VERSION, entries: Object.fromEntries(entries) }), {
          mode: 0o600,
          flag: 'wx',
        });
        await rename(temporary, this.file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
    this.#writes = write.catch(() => {});
    return write;
  }
}
