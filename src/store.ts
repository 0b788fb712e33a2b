// The token cache as the auth fetch uses it: tokens and what was learnt about registries, each written with its time
// to live. A cache that throws, rejects, answers a set with `false` (Keyv's way of failing quietly) or does not answer
// in time is reported (`cache-error`) and counts as a miss: a request never fails, or waits for ever, because of it.

import { HEADER_SAFE } from './encoding.ts';
import type { AuthEvent, CachedToken, RegistryRecord, TokenCache } from './types.ts';

/** How long what was learnt about a registry is kept (docs/caching.md says why an hour). */
export const REGISTRY_TTL_MS = 3_600_000;

export type Store = ReturnType<typeof createStore>;

export function createStore(cache: TokenCache, emit: (event: AuthEvent) => void, timeoutMs: number) {
  const written = new WeakSet<object>();
  const report = (operation: Operation, error: unknown) =>
    emit({ type: 'cache-error', operation, error: error instanceof Error ? error : new Error(String(error)) });

  /**
   * One call into the cache: its answer, or undefined (reported) when it fails or outlasts `timeoutMs`. A
   * synchronous cache (the default) is answered synchronously: no promise, no timer on the path of every request.
   */
  function call(operation: Operation, run: () => unknown): unknown {
    try {
      const answer = run();
      return isThenable(answer) ? settle(operation, answer) : checked(operation, answer);
    } catch (error) {
      report(operation, error);
    }
  }

  async function settle(operation: Operation, answer: PromiseLike<unknown>): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((_, reject) => {
      timer = setTimeout(
        reject,
        timeoutMs,
        new Error(`The token cache did not answer ${operation} within ${timeoutMs} ms`),
      );
    });
    try {
      return checked(operation, await Promise.race([answer, late]));
    } catch (error) {
      report(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  const set = (key: string, value: CachedToken | RegistryRecord, ttlMs: number) => {
    written.add(value); // checked when it arrived: an in-memory cache hands the same object back, unchecked
    return call('set', () => cache.set(key, value, Math.max(1, Math.ceil(ttlMs))));
  };

  return {
    /** The token under `key`, unless what is there could not travel as one (the token manager checks the rest). */
    get(key: string): CachedToken | undefined | Promise<CachedToken | undefined> {
      const value = call('get', () => cache.get(key));
      if (written.has(value as object)) return value as CachedToken;
      return isThenable(value) ? Promise.resolve(value).then(asToken) : asToken(value);
    },
    set,
    delete: (key: string) => call('delete', () => cache.delete(key)),
    /** What was learnt about a registry, as stored (unchecked: the auth fetch reads it as a challenge). */
    registry: (origin: string) =>
      Promise.resolve(call('get', () => cache.get(`registry\n${origin}`))) as Promise<
        Partial<RegistryRecord> | undefined
      >,
    /** Keep what was learnt about a registry for REGISTRY_TTL_MS. */
    learnt: (origin: string, record: RegistryRecord) => set(`registry\n${origin}`, record, REGISTRY_TTL_MS),
  };
}

type Operation = 'get' | 'set' | 'delete';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

/** A set answered `false` failed (Keyv's way of failing quietly). */
function checked(operation: Operation, answer: unknown): unknown {
  if (answer === false && operation === 'set') throw new Error('The token cache answered set with false');
  return answer;
}

/** A token that can travel in an Authorization header, or nothing. */
function asToken(value: unknown): CachedToken | undefined {
  const token = value as CachedToken | undefined;
  return typeof token?.token === 'string' && HEADER_SAFE.test(token.token) ? token : undefined;
}
