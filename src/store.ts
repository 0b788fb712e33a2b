// The token cache as the auth fetch uses it: tokens and what was learnt about registries, each written with its time
// to live. A cache that throws, rejects, answers a set with `false` (Keyv's way of failing quietly) or does not answer
// in time is reported (`cache-error`) and counts as a miss: a request never fails, or waits for ever, because of it.

import { HEADER_SAFE } from './encoding.ts';
import type { AuthEvent, CachedToken, RegistryRecord, TokenCache } from './types.ts';

/** How long what was learnt about a registry is kept (docs/caching.md says why an hour). */
export const REGISTRY_TTL_MS = 3_600_000;

export type Store = ReturnType<typeof createStore>;

export function createStore(cache: TokenCache, emit: (event: AuthEvent) => void, timeoutMs: number) {
  /** One call into the cache: its answer, or undefined (reported) when it fails or outlasts `timeoutMs`. */
  async function call(operation: 'get' | 'set' | 'delete', run: () => unknown): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      let answer = run();
      // A synchronous cache (the default) answers at once: no timer on the path of every request.
      if (answer instanceof Promise) {
        answer = await Promise.race([
          answer,
          new Promise((_, reject) => {
            timer = setTimeout(reject, timeoutMs, new Error(`The token cache did not answer ${operation} within ${timeoutMs} ms`));
          }),
        ]);
      }
      if (answer === false && operation === 'set') throw new Error('The token cache answered set with false');
      return answer;
    } catch (error) {
      emit({ type: 'cache-error', operation, error: error instanceof Error ? error : new Error(String(error)) });
    } finally {
      clearTimeout(timer);
    }
  }

  const set = (key: string, value: CachedToken | RegistryRecord, ttlMs: number) =>
    call('set', () => cache.set(key, value, Math.max(1, Math.ceil(ttlMs))));

  return {
    /** The token under `key`, unless what is there could not travel as one (the token manager checks the rest). */
    async get(key: string): Promise<CachedToken | undefined> {
      const value = (await call('get', () => cache.get(key))) as CachedToken | undefined;
      return typeof value?.token === 'string' && HEADER_SAFE.test(value.token) ? value : undefined;
    },
    set,
    delete: (key: string) => call('delete', () => cache.delete(key)),
    /** What was learnt about a registry, as stored (unchecked: the auth fetch reads it as a challenge). */
    registry: (origin: string) => call('get', () => cache.get(`registry\n${origin}`)) as Promise<Partial<RegistryRecord> | undefined>,
    /** Keep what was learnt about a registry for REGISTRY_TTL_MS. */
    learnt: (origin: string, record: RegistryRecord) => set(`registry\n${origin}`, record, REGISTRY_TTL_MS),
  };
}
