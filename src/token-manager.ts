// Tokens per (realm, service, credential, scope set): cache lookups, covering grants, one fetch per key.

import { MemoryTokenCache } from './cache.ts';
import { credentialIdentity } from './credentials.ts';
import { TokenRequestError } from './errors.ts';
import type { FetchLike } from './http.ts';
import { parseScope, scopesCover } from './scope.ts';
import { requestToken } from './token-client.ts';
import type { CachedToken, Credential, GrantKind, TokenCache } from './types.ts';

export interface TokenManagerOptions {
  cache?: TokenCache;
  fetch: FetchLike;
  clientId: string;
  expiryMarginMs: number;
  tokenTimeoutMs: number;
  tokenRetries: number;
  maxTokenResponseBytes: number;
  passwordGrant: boolean;
  realmCredentials?: RequestCredentials;
  now: () => number;
}

export interface TokenNeed {
  registry: string;
  realm: URL;
  service?: string;
  /** Canonical scope list (mergeScopes output). */
  scopes: string[];
  credential: Credential | undefined;
  allowInsecure: boolean;
  /** The registry was reached over https. */
  registryHttps: boolean;
  /** A token the registry just rejected: never hand it out again (a newer one under the key is fine). */
  rejected?: string;
  signal?: AbortSignal | null;
}

export interface IssuedToken {
  token: string;
  key: string;
  expiresAt: number;
  source: 'fetched' | 'cache' | 'shared';
  grant?: GrantKind;
}

interface InFlight {
  promise: Promise<{ cached: CachedToken; grant: GrantKind }>;
}

/** Index entries kept for "does another token cover this?" lookups. */
const MAX_INDEX_ENTRIES = 4096;

export class TokenManager {
  readonly cache: TokenCache;
  readonly #options: TokenManagerOptions;
  readonly #inFlight = new Map<string, InFlight>();
  /** realm+service+identity+resource -> keys of tokens whose grant names that resource (newest first). */
  readonly #coverIndex = new Map<string, string[]>();
  /** Refresh tokens that realms handed out, per realm+service+identity. */
  readonly #refreshTokens = new Map<string, string>();
  /** Realms that answered POST with 404/405: go straight to GET next time. */
  readonly #postUnsupported = new Set<string>();

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    this.cache = options.cache ?? new MemoryTokenCache();
  }

  /** A usable cached token, or undefined. */
  #usable(token: CachedToken | undefined): token is CachedToken {
    if (!token) return false;
    const lifetime = token.expiresAt - token.obtainedAt;
    const margin = Math.min(this.#options.expiryMarginMs, lifetime / 4);
    return this.#options.now() < token.expiresAt - margin;
  }

  async get(need: TokenNeed): Promise<IssuedToken> {
    const known = credentialIdentity(need.credential);
    const identity = typeof known === 'string' ? known : await known;
    const base = `${need.realm.href}\n${need.service ?? ''}\n${identity}`;
    const key = `${base}\n${need.scopes.join(' ')}`; // already canonical (mergeScopes output)

    const exact = await this.cache.get(key);
    if (this.#usable(exact) && exact.token !== need.rejected) {
      return { token: exact.token, key, expiresAt: exact.expiresAt, source: 'cache' };
    }
    if (need.rejected === undefined) {
      const covering = await this.#findCovering(base, need.scopes);
      if (covering) return { ...covering, source: 'cache' };
    }

    let flight = this.#inFlight.get(key);
    let source: IssuedToken['source'] = 'shared';
    if (!flight) {
      source = 'fetched';
      flight = { promise: this.#fetch(need, base, key) };
      this.#inFlight.set(key, flight);
      const done = () => {
        if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
      };
      flight.promise.then(done, done);
    }
    const { cached, grant } = await abortable(flight.promise, need.signal);
    return { token: cached.token, key, expiresAt: cached.expiresAt, source, grant };
  }

  /** Forget a token the registry rejected, unless the key already holds a newer one. */
  async evict(key: string, token: string): Promise<void> {
    if ((await this.cache.get(key))?.token === token) await this.cache.delete(key);
  }

  async #fetch(need: TokenNeed, base: string, key: string): Promise<{ cached: CachedToken; grant: GrantKind }> {
    const o = this.#options;
    const realmKey = need.realm.href;
    const stored = this.#refreshTokens.get(base);
    const ask = (refreshToken: string | undefined) =>
      requestToken({
        realm: need.realm,
        service: need.service,
        scopes: need.scopes,
        credential: need.credential,
        refreshToken,
        clientId: o.clientId,
        passwordGrant: o.passwordGrant,
        postUnsupported: this.#postUnsupported.has(realmKey),
        allowInsecure: need.allowInsecure,
        registryHttps: need.registryHttps,
        fetchCredentials: o.realmCredentials,
        timeoutMs: o.tokenTimeoutMs,
        retries: o.tokenRetries,
        maxBodyBytes: o.maxTokenResponseBytes,
        now: o.now,
        fetch: o.fetch,
      });
    let grant;
    try {
      grant = await ask(stored);
    } catch (error) {
      // A refresh token the realm gave us earlier may have been revoked: forget it, use the credential once.
      const refused = error instanceof TokenRequestError && (error.code === 'TOKEN_DENIED' || error.status === 400);
      if (stored === undefined || !refused) throw error;
      this.#refreshTokens.delete(base);
      grant = await ask(undefined);
    }
    if (grant.postUnsupported) this.#postUnsupported.add(realmKey);
    const { result } = grant;
    if (result.refreshToken !== undefined) this.#refreshTokens.set(base, result.refreshToken);
    const cached: CachedToken = {
      token: result.token,
      expiresAt: result.expiresAt,
      obtainedAt: result.obtainedAt,
      scopes: result.scopes,
    };
    await this.cache.set(key, cached);
    this.#index(base, key, result.scopes);
    return { cached, grant: grant.grant };
  }

  #index(base: string, key: string, granted: string[]): void {
    for (const scope of granted) {
      const resource = resourceOf(scope);
      if (resource === undefined) continue;
      const indexKey = `${base}\n${resource}`;
      const keys = (this.#coverIndex.get(indexKey) ?? []).filter((k) => k !== key);
      keys.unshift(key);
      if (keys.length > 4) keys.length = 4;
      this.#coverIndex.delete(indexKey); // re-insert: Map order doubles as LRU order
      this.#coverIndex.set(indexKey, keys);
      if (this.#coverIndex.size > MAX_INDEX_ENTRIES) {
        const oldest = this.#coverIndex.keys().next().value;
        if (oldest !== undefined) this.#coverIndex.delete(oldest);
      }
    }
  }

  /** A cached token for other scopes whose grant covers every needed scope (a push token serves a pull). */
  async #findCovering(base: string, needed: string[]): Promise<Omit<IssuedToken, 'source'> | undefined> {
    const first = needed[0];
    if (first === undefined) return undefined;
    const resource = resourceOf(first);
    if (resource === undefined) return undefined;
    const keys = this.#coverIndex.get(`${base}\n${resource}`);
    if (!keys) return undefined;
    for (const key of keys) {
      const token = await this.cache.get(key);
      if (this.#usable(token) && scopesCover(token.scopes, needed)) {
        return { token: token.token, key, expiresAt: token.expiresAt };
      }
    }
    return undefined;
  }
}

function resourceOf(scope: string): string | undefined {
  try {
    const s = parseScope(scope);
    return `${s.type}${s.class ? `(${s.class})` : ''}:${s.name}`;
  } catch {
    return undefined;
  }
}

/** Wait for a shared promise, but let this caller's signal end its own wait (not the shared work). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

