// Shared public types. Browser-safe: no Node built-ins anywhere under src/ except src/node/.

/** One parsed `WWW-Authenticate` challenge (RFC 9110 §11.6.1). */
export interface Challenge {
  /** Auth scheme, lower-cased (`bearer`, `basic`, …). */
  scheme: string;
  /** Auth-params: lower-cased names, unescaped values. Empty when the challenge carries a token68. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when present instead of params. */
  token68?: string;
}

/** A user name and a password (or a personal access token used as one). Sent as Basic to the realm. */
export interface PasswordCredential {
  username: string;
  password: string;
}

/** A docker "identity token": an OAuth2 refresh token, exchanged with `grant_type=refresh_token`. */
export interface RefreshTokenCredential {
  refreshToken: string;
  username?: string;
}

/** A registry access token obtained elsewhere; sent as `Authorization: Bearer` as is. */
export interface AccessTokenCredential {
  accessToken: string;
}

export type Credential = PasswordCredential | RefreshTokenCredential | AccessTokenCredential;

/** What a credential provider is told about the credential being asked for. */
export interface CredentialContext {
  /** `host[:port]` of the registry, as in the request URL. */
  registry: string;
  /** Token endpoint from the challenge (absent for Basic registries and before discovery). */
  realm?: string;
  service?: string;
  /** The scopes the token is for (canonical strings). */
  scopes: string[];
}

export type CredentialProvider = (ctx: CredentialContext) => Credential | undefined | Promise<Credential | undefined>;

/** A token as kept in a {@link TokenCache}. */
export interface CachedToken {
  /** The bearer token. */
  token: string;
  /** Epoch milliseconds when the token stops being valid (the server's view, as best known). */
  expiresAt: number;
  /** Epoch milliseconds when it was obtained. */
  obtainedAt: number;
  /** Scopes the server granted (from the JWT `access` claim or the OAuth `scope` field), else those asked. */
  scopes: string[];
}

/** What was learnt about a registry, kept in the {@link TokenCache} under `registry\n<origin>`. No secret. */
export interface RegistryRecord {
  /** `bearer`: tokens come from `realm`; `basic`: the credential goes to the registry itself. */
  scheme: 'bearer' | 'basic';
  realm?: string;
  service?: string;
  /** Actions the registry demanded beyond what a route implies, per method (django-oci's `push` for pulls). */
  actions?: Record<string, string[]>;
}

/**
 * Where tokens, and what was learnt about registries, live between requests: plain JSON values under keys that
 * never contain a secret (the credential part is a hash). Sync or async; a `Keyv` instance is one as it is.
 * Answers other than `get`'s are ignored, except a `set` answering `false`: that, a throw, a rejection or no answer
 * within `cacheTimeoutMs` count as a miss and are reported (a `cache-error` event). See docs/caching.md.
 */
export interface TokenCache {
  /** The value stored under `key`, or undefined (anything that is not a value this package stored counts as none). */
  get(key: string): unknown;
  /** Keep `value` for `ttlMs` milliseconds (a positive integer: for a token, until it expires), then forget it. */
  set(key: string, value: CachedToken | RegistryRecord, ttlMs: number): unknown;
  delete(key: string): unknown;
}

/** How the token was obtained, as reported in events (never the secret itself). */
export type GrantKind = 'anonymous' | 'basic' | 'password' | 'refresh_token' | 'access_token';

/** Events reported through `onEvent`. They never contain passwords, tokens or Authorization headers. */
export type AuthEvent =
  | {
      type: 'challenge';
      registry: string;
      scheme: string;
      realm?: string;
      service?: string;
      scopes: string[];
      error?: string;
    }
  | {
      type: 'token';
      /** fetched: a request to the realm; cache: reused; shared: joined another caller's fetch. */
      source: 'fetched' | 'cache' | 'shared';
      registry: string;
      realm?: string;
      service?: string;
      scopes: string[];
      grant?: GrantKind;
      /** Seconds of validity left when handed out. */
      expiresIn: number;
    }
  | {
      type: 'retry';
      registry: string;
      method: string;
      /** The request URL without its query string. */
      url: string;
      reason: 'challenge' | 'insufficient_scope' | 'invalid_token';
    }
  | {
      type: 'discovery';
      registry: string;
      /** What the probe learnt: a challenge scheme, or `none` when the registry answered without one. */
      scheme: string;
    }
  | {
      type: 'error';
      registry: string;
      error: Error;
    }
  | {
      /** The token cache threw, rejected or did not answer in time: the request goes on as on a miss. */
      type: 'cache-error';
      operation: 'get' | 'set' | 'delete';
      /** What the cache threw (its own error), or a timeout. */
      error: Error;
    };

export type EventListener = (event: AuthEvent) => void;

/** The `fetch`-compatible function returned by `createAuthFetch`. */
export type AuthFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
