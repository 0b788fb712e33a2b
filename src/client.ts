// createRegistryClient: a ky instance bound to one registry, every request through the auth fetch.

import ky from 'ky';
import type { KyInstance, Options as KyOptions } from 'ky';
import { createAuthFetch } from './auth-fetch.ts';
import { registryBaseUrl } from './http.ts';
import type { AuthFetchOptions } from './auth-fetch.ts';
import type { AuthFetch } from './types.ts';

/**
 * Auth options plus ky options. `credentials` and `cache` are the auth fetch's (registry credentials,
 * token cache), not fetch's request modes of the same names.
 */
export interface RegistryClientOptions
  extends AuthFetchOptions,
    Omit<KyOptions, 'fetch' | 'prefix' | 'credentials' | 'cache'> {
  /** The registry: `https://registry.example`, or `host[:port]` (https is assumed). */
  registry: string | URL;
  /** Share an existing auth fetch (and so its token cache) instead of creating one. */
  authFetch?: AuthFetch;
}

/**
 * A ky instance whose input is relative to the registry's `/v2/` (`client.get('team/app/tags/list')`),
 * with ky's retry for 429/5xx and timeouts on top of authentication.
 */
export function createRegistryClient(options: RegistryClientOptions): KyInstance {
  // `credentials` and `cache` are the auth fetch's here, never fetch's request modes; every other option goes to
  // both, and each ignores what is not its own (no list of names to keep in step with either).
  const { registry, authFetch, credentials, cache, ...rest } = options;
  return ky.create({
    ...(rest as KyOptions),
    prefix: new URL('/v2/', registryBaseUrl(registry)).href,
    fetch: authFetch ?? createAuthFetch({ ...(rest as AuthFetchOptions), credentials, cache }),
  });
}
