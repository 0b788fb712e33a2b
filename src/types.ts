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

export type CredentialProvider = (
  ctx: CredentialContext,
) => Credential | undefined | Promise<Credential | undefined>;

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

/**
 * Where tokens live between requests. Keys never contain secrets (the credential part is a hash).
 * Implementations may be synchronous or asynchronous.
 */
export interface TokenCache {
  get(key: string): CachedToken | undefined | Promise<CachedToken | undefined>;
  set(key: string, value: CachedToken): void | Promise<void>;
  delete(key: string): void | Promise<void>;
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
    };

export type EventListener = (event: AuthEvent) => void;

/** The `fetch`-compatible function returned by `createAuthFetch`. */
export type AuthFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
