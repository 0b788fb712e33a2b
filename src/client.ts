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

const AUTH_OPTION_NAMES = [
  'credentials',
  'fetch',
  'cache',
  'scopes',
  'clientId',
  'onEvent',
  'expiryMarginMs',
  'tokenTimeoutMs',
  'tokenRetries',
  'maxTokenResponseBytes',
  'passwordGrant',
  'allowInsecureRealm',
  'challenges',
  'realmCredentials',
  'now',
] as const;

/**
 * A ky instance whose input is relative to the registry's `/v2/` (`client.get('team/app/tags/list')`),
 * with ky's retry for 429/5xx and timeouts on top of authentication.
 */
export function createRegistryClient(options: RegistryClientOptions): KyInstance {
  const { registry, authFetch, ...rest } = options;
  const authOptions: Record<string, unknown> = {};
  const kyOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rest)) {
    if ((AUTH_OPTION_NAMES as readonly string[]).includes(name)) authOptions[name] = value;
    else kyOptions[name] = value;
  }
  const base = registryBaseUrl(registry);
  return ky.create({
    ...(kyOptions as KyOptions),
    prefix: new URL('/v2/', base).href,
    fetch: authFetch ?? createAuthFetch(authOptions as AuthFetchOptions),
  });
}
