// Typed errors. Each says what failed and what to do; none carries a password, a token or a header value.

export type OciAuthErrorCode =
  | 'CHALLENGE_PARSE'
  | 'SCOPE_PARSE'
  | 'TOKEN_DENIED'
  | 'TOKEN_REQUEST_FAILED'
  | 'TOKEN_TIMEOUT'
  | 'TOKEN_RESPONSE_INVALID'
  | 'INSECURE_REALM'
  | 'CREDENTIAL_PROVIDER'
  | 'CREDENTIALS_INVALID'
  | 'TOO_MANY_REDIRECTS'
  | 'CHALLENGE_HIDDEN';

/**
 * Base class of every error the SDK throws, `oci-auth-fetch/oci` and `/node` included. `code` is stable; messages
 * are for people.
 */
export class OciAuthError<Code extends string = OciAuthErrorCode> extends Error {
  declare readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A `WWW-Authenticate` value that does not follow the RFC 9110 challenge grammar. */
export class ChallengeParseError extends OciAuthError {
  /** Zero-based offset in the header where parsing stopped. */
  declare readonly position: number;

  constructor(message: string, position: number) {
    super('CHALLENGE_PARSE', `Cannot parse WWW-Authenticate at offset ${position}: ${message}`);
    this.position = position;
  }
}

/** A scope string that does not follow `type[(class)]:name:actions`. */
export class ScopeParseError extends OciAuthError {
  constructor(message: string) {
    super('SCOPE_PARSE', message);
  }
}

export interface TokenRequestErrorDetails {
  /** Token endpoint, without query string. */
  realm: string;
  /** HTTP status of the realm's answer, when there was one. */
  status?: number;
  /** Error code the token server gave (`UNAUTHORIZED`, `invalid_grant`, …). */
  serverCode?: string;
  /** Error message the token server gave, with any secret removed. */
  serverMessage?: string;
  /** Whether the same request may succeed later: the connection failed or broke, or the realm was busy (429, 5xx). */
  retryable?: boolean;
  cause?: unknown;
}

/** The token endpoint refused, failed, timed out or could not be reached. */
export class TokenRequestError extends OciAuthError {
  declare readonly realm: string;
  declare readonly status: number | undefined;
  declare readonly serverCode: string | undefined;
  declare readonly serverMessage: string | undefined;
  /** Whether the same request may succeed later: the connection failed or broke, or the realm was busy (429, 5xx). */
  declare readonly retryable: boolean;

  constructor(
    code: 'TOKEN_DENIED' | 'TOKEN_REQUEST_FAILED' | 'TOKEN_TIMEOUT',
    message: string,
    { cause, realm, status, serverCode, serverMessage, retryable = false }: TokenRequestErrorDetails,
  ) {
    super(code, message, { cause });
    Object.assign(this, { realm, status, serverCode, serverMessage, retryable });
  }
}

/** The token endpoint answered 200 with something that is not a usable token response. */
export class TokenResponseError extends OciAuthError {
  declare readonly realm: string;

  constructor(message: string, realm: string) {
    super('TOKEN_RESPONSE_INVALID', message);
    this.realm = realm;
  }
}

/** Credentials would have gone somewhere the security policy forbids (plain http, another origin). */
export class InsecureRealmError extends OciAuthError {
  declare readonly realm: string;

  constructor(message: string, realm: string) {
    super('INSECURE_REALM', message);
    this.realm = realm;
  }
}

/** A secret that `maySendSecret` (http.ts) keeps from going to `where` over plain http. */
export function plainHttpRefused(what: string, where: string): InsecureRealmError {
  return new InsecureRealmError(
    `Refusing to send ${what} to ${where} over plain http. Use https, or set allowInsecureRealm for this registry if you trust the network.`,
    where,
  );
}

/** A credential provider threw or returned something that is not a credential. */
export class CredentialProviderError extends OciAuthError {
  declare readonly registry: string;

  constructor(message: string, registry: string, options?: { cause?: unknown }) {
    super('CREDENTIAL_PROVIDER', message, options);
    this.registry = registry;
  }
}

/** Replace every occurrence of a secret in a text; used on anything a server echoes back. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  for (const secret of secrets) if (secret && secret.length >= 3) text = text.replaceAll(secret, '[redacted]');
  return text;
}

/** A URL for messages and events: origin and path, never the query (pre-signed URLs carry secrets). */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return '(invalid URL)';
  }
}
