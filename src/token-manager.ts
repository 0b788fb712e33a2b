// Tokens per (realm, service, credential, scope set): cache lookups, covering grants, one fetch per key, and
// tokens the registry rejected kept out of use.

import { MemoryTokenCache } from './cache.ts';
import { TokenRequestError } from './errors.ts';
import { scopesCover } from './scope.ts';
import { requestToken } from './token-client.ts';
import type { TokenClientOptions, TokenGrant, TokenRequest } from './token-client.ts';
import type { CachedToken, Credential, GrantKind, TokenCache } from './types.ts';

export interface TokenManagerOptions extends TokenClientOptions {
  cache?: TokenCache;
  /** Replace a token this long before it expires (capped at a quarter of its lifetime). */
  expiryMarginMs: number;
}

/** A credential with the name its tokens are cached under (a hash, never the secret). */
export interface IdentifiedCredential {
  credential?: Credential;
  identity: string;
}

export interface TokenNeed extends Omit<TokenRequest, 'refreshToken' | 'postUnsupported'> {
  /** Canonical scope list (mergeScopes output). */
  scopes: string[];
  /** Whose tokens these are: a hash of the credential, never the secret. */
  identity: string;
  /**
   * A token the registry just rejected as invalid: the answer must be a token obtained after that rejection
   * (one fetch shared by every request that met it).
   */
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

interface Flight {
  /** When the fetch started: a retry after a rejection joins only a fetch started after it. */
  started: number;
  done: Promise<{ cached: CachedToken; grant: GrantKind }>;
}

export type TokenManager = ReturnType<typeof createTokenManager>;

/** Covering-index entries kept for "does another token cover this?" lookups. */
const MAX_INDEX_ENTRIES = 4096;
/** Rejected tokens remembered (they are useless once expired, so a few hundred is plenty). */
const MAX_REJECTED = 256;

/** `type(class):name` of a canonical scope: everything before its actions. */
const resourceOf = (scope: string) => scope.slice(0, scope.lastIndexOf(':'));

/** Keep a Map (whose order doubles as LRU order) at `max` entries; `key` moves to the newest end. */
export function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

export function createTokenManager(options: TokenManagerOptions) {
  const cache = options.cache ?? new MemoryTokenCache();
  const inFlight = new Map<string, Flight>();
  /** realm+service+identity+resource -> keys of the (up to 4) newest tokens whose grant names that resource. */
  const coverIndex = new Map<string, string[]>();
  /** Refresh tokens that realms handed out, per realm+service+identity. */
  const refreshTokens = new Map<string, string>();
  /** Realms that answered POST with 404/405: go straight to GET next time. */
  const postUnsupported = new Set<string>();
  /** Tokens the registry rejected as invalid -> when it first did. Never handed out again. */
  const rejections = new Map<string, number>();

  /** Good to hand out: unexpired with its margin, never rejected, and obtained after `since` (a rejection). */
  const usable = (token: CachedToken | undefined, since: number): token is CachedToken =>
    !!token &&
    options.now() < token.expiresAt - Math.min(options.expiryMarginMs, (token.expiresAt - token.obtainedAt) / 4) &&
    !rejections.has(token.token) &&
    token.obtainedAt >= since;

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
    // A slower fetch that started earlier must not replace a newer token.
    const current = await cache.get(key);
    if (!current || current.obtainedAt <= obtainedAt) await cache.set(key, cached);
    for (const scope of scopes) {
      const indexKey = `${base}\n${resourceOf(scope)}`;
      touch(coverIndex, indexKey, [key, ...(coverIndex.get(indexKey) ?? []).filter((k) => k !== key)].slice(0, 4), MAX_INDEX_ENTRIES);
    }
    return { cached, grant: grant.grant };
  }

  const keysOf = (need: TokenNeed) => {
    const base = `${need.realm.href}\n${need.service ?? ''}\n${need.identity}`;
    return { base, key: `${base}\n${need.scopes.join(' ')}` }; // scopes already canonical (mergeScopes output)
  };
  /** After a rejection, only tokens obtained since then will do. */
  const sinceOf = (need: TokenNeed) => (need.rejected === undefined ? -Infinity : (rejections.get(need.rejected) ?? -Infinity));

  return {
    /** A cached token for the need: its exact scope set, or another grant that covers it (a push token serves a pull). */
    async cached(need: TokenNeed): Promise<IssuedToken | undefined> {
      const { base, key } = keysOf(need);
      const since = sinceOf(need);
      // After an insufficient_scope the retry asks for more: only its exact key will do.
      const covering = need.scopes[0] && (need.rejected === undefined || rejections.has(need.rejected));
      const candidates = [key, ...(covering ? (coverIndex.get(`${base}\n${resourceOf(need.scopes[0]!)}`) ?? []) : [])];
      for (const candidate of candidates) {
        const token = await cache.get(candidate);
        if (usable(token, since) && token.token !== need.rejected && (candidate === key || scopesCover(token.scopes, need.scopes))) {
          return { token: token.token, key: candidate, expiresAt: token.expiresAt, source: 'cache' };
        }
      }
      return undefined;
    },

    /** A cached token, or one fetched (once per key, shared by everyone who needs it meanwhile). */
    async get(need: TokenNeed): Promise<IssuedToken> {
      const found = await this.cached(need);
      if (found) return found;
      const { base, key } = keysOf(need);
      let flight = inFlight.get(key);
      let source: IssuedToken['source'] = 'shared';
      if (!flight || flight.started < sinceOf(need)) {
        source = 'fetched';
        const started = fetchToken(need, base, key);
        const own: Flight = { started: options.now(), done: started };
        const done = () => inFlight.get(key) === own && inFlight.delete(key);
        started.then(done, done);
        inFlight.set(key, (flight = own));
      }
      const { cached, grant } = await abortable(flight.done, need.signal);
      return { token: cached.token, key, expiresAt: cached.expiresAt, source, grant };
    },

    /** The registry rejected `token` as invalid: never hand it out again, and drop it from the cache. */
    async reject(key: string, token: string): Promise<void> {
      if (!rejections.has(token)) touch(rejections, token, options.now(), MAX_REJECTED);
      await this.evict(key, token);
    },

    /** Forget a token (unless the key already holds a newer one). */
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
