// Tokens per (realm, service, credential, scope set): cache lookups, covering grants, one fetch per key, and
// tokens the registry rejected kept out of use.

import { touch } from './cache.ts';
import { TokenRequestError } from './errors.ts';
import { abortable } from './http.ts';
import { scopesCover } from './scope.ts';
import { requestToken } from './token-client.ts';
import type { TokenClientOptions, TokenGrant, TokenRequest } from './token-client.ts';
import type { CachedToken, GrantKind } from './types.ts';

/** Where the manager keeps tokens: the auth fetch gives it its store (store.ts), which checks what it reads back. */
interface TokenStore {
  get(key: string): CachedToken | undefined | Promise<CachedToken | undefined>;
  /** `ttlMs`: the token's remaining life (until `expiresAt`; the margin is the manager's business). */
  set(key: string, value: CachedToken, ttlMs: number): unknown;
  delete(key: string): unknown;
}

interface TokenManagerOptions extends TokenClientOptions {
  cache: TokenStore;
  /** Replace a token this long before it expires (capped at a quarter of its lifetime). */
  expiryMarginMs: number;
}

/** A token handed out for a request. */
interface IssuedToken extends CachedToken {
  /** Its cache key, to evict it if the registry rejects it. */
  key: string;
  source: 'fetched' | 'cache' | 'shared';
  grant?: GrantKind;
}

interface Flight {
  /** When the fetch started: a retry after a rejection joins only a fetch started after it. */
  started: number;
  done: Promise<TokenGrant>;
}

/** Covering-index entries kept for "does another token cover this?" lookups. */
const MAX_INDEX_ENTRIES = 4096;
/** Rejected tokens remembered (they are useless once expired, so a few hundred is plenty). */
const MAX_REJECTED = 256;

/** `type(class):name` of a canonical scope: everything before its actions. */
const resourceOf = (scope: string) => scope.slice(0, scope.lastIndexOf(':'));

/** Cache keys: `base` names whose tokens (realm, service, identity), `key` adds the scope set. */
function keysOf(need: TokenRequest) {
  const base = `${need.realm.href}\n${need.service ?? ''}\n${need.identity}`;
  return { base, key: `${base}\n${need.scopes.join(' ')}` }; // scopes already canonical (mergeScopes output)
}

export class TokenManager {
  readonly #options: TokenManagerOptions;
  readonly #cache: TokenStore;
  readonly #inFlight = new Map<string, Flight>();
  /** realm+service+identity+resource -> keys of the (up to 4) newest tokens whose grant names that resource. */
  readonly #coverIndex = new Map<string, string[]>();
  /** Refresh tokens that realms handed out, per realm+service+identity. */
  readonly #refreshTokens = new Map<string, string>();
  /** Realms that answered POST with 404/405: go straight to GET next time. */
  readonly #postUnsupported = new Set<string>();
  /** Tokens the registry rejected as invalid -> when it first did. Never handed out again. */
  readonly #rejections = new Map<string, number>();

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    this.#cache = options.cache;
  }

  /** A cached token for the need: its exact scope set, or another grant that covers it (a push token serves a pull). */
  async cached(need: TokenRequest): Promise<IssuedToken | undefined> {
    const { base, key } = keysOf(need);
    const since = this.#since(need);
    // After an insufficient_scope the retry asks for more: only its exact key will do.
    const covering = need.scopes[0] && (need.rejected === undefined || this.#rejections.has(need.rejected));
    const candidates = [
      key,
      ...(covering ? (this.#coverIndex.get(`${base}\n${resourceOf(need.scopes[0]!)}`) ?? []) : []),
    ];
    for (const candidate of candidates) {
      const token = await this.#cache.get(candidate);
      if (
        this.#usable(token, since) &&
        token.token !== need.rejected &&
        (candidate === key || scopesCover(token.scopes, need.scopes))
      ) {
        return { ...token, key: candidate, source: 'cache' };
      }
    }
    return undefined;
  }

  /** A cached token, or one fetched (once per key, shared by everyone who needs it meanwhile). */
  async get(need: TokenRequest): Promise<IssuedToken> {
    const found = await this.cached(need);
    if (found) return found;
    const { base, key } = keysOf(need);
    let flight = this.#inFlight.get(key);
    let source: IssuedToken['source'] = 'shared';
    if (!flight || flight.started < this.#since(need)) {
      source = 'fetched';
      const own: Flight = { started: this.#options.now(), done: this.#fetch(need, base, key) };
      const done = () => this.#inFlight.get(key) === own && this.#inFlight.delete(key);
      own.done.then(done, done);
      this.#inFlight.set(key, own);
      flight = own;
    }
    return { ...(await abortable(flight.done, need.signal)), key, source };
  }

  /** The registry rejected `token` as invalid: never hand it out again, and drop it from the cache. */
  async reject(key: string, token: string): Promise<void> {
    if (!this.#rejections.has(token)) touch(this.#rejections, token, this.#options.now(), MAX_REJECTED);
    await this.evict(key, token);
  }

  /** Forget a token (unless the key already holds a newer one). */
  async evict(key: string, token: string): Promise<void> {
    if ((await this.#cache.get(key))?.token === token) await this.#cache.delete(key);
  }

  /** After a rejection, only tokens obtained since then will do. */
  #since(need: TokenRequest): number {
    return need.rejected === undefined ? -Infinity : (this.#rejections.get(need.rejected) ?? -Infinity);
  }

  /** Good to hand out: unexpired with its margin, never rejected, and obtained after `since` (a rejection). */
  #usable(token: CachedToken | undefined, since: number): token is CachedToken {
    const margin = token && Math.min(this.#options.expiryMarginMs, (token.expiresAt - token.obtainedAt) / 4);
    return (
      !!token &&
      this.#options.now() < token.expiresAt - margin! &&
      !this.#rejections.has(token.token) &&
      token.obtainedAt >= since
    );
  }

  async #fetch(need: TokenRequest, base: string, key: string): Promise<TokenGrant> {
    const grant = await this.#request(need, base);
    const { token, expiresAt, obtainedAt, scopes, refreshToken } = grant;
    if (grant.postUnsupported) this.#postUnsupported.add(need.realm.href);
    if (refreshToken !== undefined) this.#refreshTokens.set(base, refreshToken);
    // A slower fetch that started earlier must not replace a newer token.
    const current = await this.#cache.get(key);
    if (!current || current.obtainedAt <= obtainedAt)
      await this.#cache.set(key, { token, expiresAt, obtainedAt, scopes }, expiresAt - this.#options.now());
    for (const scope of scopes) {
      const indexKey = `${base}\n${resourceOf(scope)}`;
      const keys = [key, ...(this.#coverIndex.get(indexKey) ?? []).filter((k) => k !== key)].slice(0, 4);
      touch(this.#coverIndex, indexKey, keys, MAX_INDEX_ENTRIES);
    }
    return grant;
  }

  /** Ask the realm, with the refresh token it gave earlier if any; a refused one is forgotten and the credential used once. */
  async #request(need: TokenRequest, base: string): Promise<TokenGrant> {
    const stored = this.#refreshTokens.get(base);
    const ask = (refreshToken?: string) =>
      requestToken(this.#options, {
        ...need,
        refreshToken,
        postUnsupported: this.#postUnsupported.has(need.realm.href),
      });
    try {
      return await ask(stored);
    } catch (error) {
      // A refresh token the realm gave us earlier may have been revoked.
      const refused = error instanceof TokenRequestError && (error.code === 'TOKEN_DENIED' || error.status === 400);
      if (stored === undefined || !refused) throw error;
      this.#refreshTokens.delete(base);
      return ask();
    }
  }
}
