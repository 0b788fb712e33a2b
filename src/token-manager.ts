// Tokens per (realm, service, credential, scope set): cache lookups, covering grants, one fetch per key.

import { MemoryTokenCache } from './cache.ts';
import { credentialIdentity } from './credentials.ts';
import { TokenRequestError } from './errors.ts';
import { scopesCover } from './scope.ts';
import { requestToken } from './token-client.ts';
import type { TokenClientOptions, TokenGrant, TokenRequest } from './token-client.ts';
import type { CachedToken, GrantKind, TokenCache } from './types.ts';

export interface TokenManagerOptions extends TokenClientOptions {
  cache?: TokenCache;
  /** Replace a token this long before it expires (capped at a quarter of its lifetime). */
  expiryMarginMs: number;
}

export interface TokenNeed extends Omit<TokenRequest, 'refreshToken' | 'postUnsupported'> {
  /** Canonical scope list (mergeScopes output). */
  scopes: string[];
  /** A token the registry just rejected: never hand it out again (a newer one under the key is fine). */
  rejected?: string;
  signal?: AbortSignal | null;
}

export interface IssuedToken {
  token: string;
  /** Its cache key, to evict it if the registry rejects it. */
  key: string;
  expiresAt: number;
  source: 'fetched' | 'cache' | 'shared';
  grant?: GrantKind;
}

export type TokenManager = ReturnType<typeof createTokenManager>;

/** Covering-index entries kept for "does another token cover this?" lookups. */
const MAX_INDEX_ENTRIES = 4096;

/** `type(class):name` of a canonical scope: everything before its actions. */
const resourceOf = (scope: string) => scope.slice(0, scope.lastIndexOf(':'));

export function createTokenManager(options: TokenManagerOptions) {
  const cache = options.cache ?? new MemoryTokenCache();
  const inFlight = new Map<string, Promise<{ cached: CachedToken; grant: GrantKind }>>();
  /** realm+service+identity+resource -> keys of the (up to 4) newest tokens whose grant names that resource. */
  const coverIndex = new Map<string, string[]>();
  /** Refresh tokens that realms handed out, per realm+service+identity. */
  const refreshTokens = new Map<string, string>();
  /** Realms that answered POST with 404/405: go straight to GET next time. */
  const postUnsupported = new Set<string>();

  const usable = (token: CachedToken | undefined): token is CachedToken =>
    !!token && options.now() < token.expiresAt - Math.min(options.expiryMarginMs, (token.expiresAt - token.obtainedAt) / 4);

  async function fetchToken(need: TokenNeed, base: string, key: string) {
    const realm = need.realm.href;
    const stored = refreshTokens.get(base);
    const ask = (refreshToken?: string) =>
      requestToken(options, { ...need, refreshToken, postUnsupported: postUnsupported.has(realm) });
    let grant: TokenGrant;
    try {
      grant = await ask(stored);
    } catch (error) {
      // A refresh token the realm gave us earlier may have been revoked: forget it, use the credential once.
      const refused = error instanceof TokenRequestError && (error.code === 'TOKEN_DENIED' || error.status === 400);
      if (stored === undefined || !refused) throw error;
      refreshTokens.delete(base);
      grant = await ask();
    }
    if (grant.postUnsupported) postUnsupported.add(realm);
    const { token, expiresAt, obtainedAt, scopes, refreshToken } = grant.result;
    if (refreshToken !== undefined) refreshTokens.set(base, refreshToken);
    const cached: CachedToken = { token, expiresAt, obtainedAt, scopes };
    await cache.set(key, cached);
    for (const scope of scopes) {
      const indexKey = `${base}\n${resourceOf(scope)}`;
      const keys = [key, ...(coverIndex.get(indexKey) ?? []).filter((k) => k !== key)].slice(0, 4);
      coverIndex.delete(indexKey); // re-insert: Map order doubles as LRU order
      coverIndex.set(indexKey, keys);
      if (coverIndex.size > MAX_INDEX_ENTRIES) coverIndex.delete(coverIndex.keys().next().value!);
    }
    return { cached, grant: grant.grant };
  }

  return {
    async get(need: TokenNeed): Promise<IssuedToken> {
      const known = credentialIdentity(need.credential);
      const identity = typeof known === 'string' ? known : await known;
      const base = `${need.realm.href}\n${need.service ?? ''}\n${identity}`;
      const key = `${base}\n${need.scopes.join(' ')}`; // already canonical (mergeScopes output)

      const exact = await cache.get(key);
      if (usable(exact) && exact.token !== need.rejected) {
        return { token: exact.token, key, expiresAt: exact.expiresAt, source: 'cache' };
      }
      // A token for other scopes whose grant covers every needed scope (a push token serves a pull).
      const candidates = need.rejected === undefined && need.scopes[0] ? coverIndex.get(`${base}\n${resourceOf(need.scopes[0])}`) : undefined;
      for (const candidate of candidates ?? []) {
        const covering = await cache.get(candidate);
        if (usable(covering) && scopesCover(covering.scopes, need.scopes)) {
          return { token: covering.token, key: candidate, expiresAt: covering.expiresAt, source: 'cache' };
        }
      }

      let flight = inFlight.get(key);
      let source: IssuedToken['source'] = 'shared';
      if (!flight) {
        source = 'fetched';
        const started = fetchToken(need, base, key);
        const done = () => inFlight.get(key) === started && inFlight.delete(key);
        started.then(done, done);
        inFlight.set(key, (flight = started));
      }
      const { cached, grant } = await abortable(flight, need.signal);
      return { token: cached.token, key, expiresAt: cached.expiresAt, source, grant };
    },

    /** Forget a token the registry rejected, unless the key already holds a newer one. */
    async evict(key: string, token: string): Promise<void> {
      if ((await cache.get(key))?.token === token) await cache.delete(key);
    },
  };
}

/** Wait for a shared promise, but let this caller's signal end its own wait (not the shared work). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
