// Reading a token endpoint's JSON answer into a token with a trustworthy expiry and its granted scopes.

import { HEADER_SAFE } from './encoding.ts';
import { TokenResponseError } from './errors.ts';
import { mergeScopes } from './scope.ts';
import type { CachedToken } from './types.ts';

/** The spec's default lifetime, used when a server sends no usable `expires_in`. */
export const DEFAULT_EXPIRES_IN_SEC = 60;

interface TokenResponseContext {
  /** Token endpoint without query, for messages. */
  realm: string;
  requestedScopes: string[];
  /** Epoch ms when the token request was sent. */
  startedAt: number;
  /** Epoch ms now. */
  now: number;
}

/** `expires_in` as sent: a positive number or numeric string; anything else counts as absent. */
function positiveSeconds(value: unknown): number | undefined {
  // Stryker disable next-line MethodExpression: without trim, a blank string reaches Number() and becomes 0, refused below.
  const n = typeof value === 'string' && value.trim() ? Number(value) : value;
  return typeof n === 'number' && n > 0 && n < Infinity ? n : undefined;
}

const nonEmptyString = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * The claims of a JWT (its payload: base64url-encoded JSON), or undefined when the token is not one. Read only,
 * never verified: the registry verifies; we only learn `exp` and `access` from them.
 */
export function jwtClaims(token: string): { exp?: unknown; access?: unknown } | undefined {
  try {
    const payload = atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    return Object(JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, (c) => c.charCodeAt(0)))));
  } catch {
    return undefined; // an opaque token is fine
  }
}

/** Scopes from a distribution JWT `access` claim: `[{type, name, actions}]`. */
export function scopesFromAccessClaim(access: unknown): string[] | undefined {
  if (!Array.isArray(access)) return undefined;
  const scopes = access.flatMap((entry: { type?: unknown; name?: unknown; actions?: unknown } | null) => {
    const actions = Array.isArray(entry?.actions) ? entry.actions.filter((a) => typeof a === 'string') : [];
    return typeof entry?.type === 'string' && typeof entry.name === 'string' && actions.length > 0
      ? [`${entry.type}:${entry.name}:${actions.join(',')}`]
      : [];
  });
  return mergeScopes(scopes);
}

export function parseTokenResponse(body: string, ctx: TokenResponseContext): CachedToken & { refreshToken?: string } {
  const invalid = (what: string) =>
    new TokenResponseError(`The token endpoint ${ctx.realm} answered 200 with ${what}.`, ctx.realm);
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(body);
  } catch {
    throw invalid(
      'a body that is not JSON; check that the realm points at the token service, not a login page or proxy',
    );
  }
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
    throw invalid('JSON that is not an object; expected {"token": …} or {"access_token": …}');
  }
  // access_token wins when both are present and differ, as every Go client does.
  const token = nonEmptyString(fields.access_token) ?? nonEmptyString(fields.token);
  if (token === undefined) {
    throw invalid(
      ('token' in fields || 'access_token' in fields
        ? '`token`/`access_token` empty or not a string'
        : 'no `token` or `access_token` field') +
        '; the server may not implement the docker token protocol at this URL',
    );
  }
  if (!HEADER_SAFE.test(token)) {
    // Never echo it: a line break or a non-ASCII character would break the Authorization header anyway.
    throw invalid('a token that cannot be sent in an Authorization header (a space, control or non-ASCII character)');
  }
  const claims = jwtClaims(token);
  const lifetimeMs = (positiveSeconds(fields.expires_in) ?? DEFAULT_EXPIRES_IN_SEC) * 1000;

  // The life starts when we asked, or earlier when the server says it issued the token earlier
  // (servers that hand out cached tokens). An issued_at outside [now - lifetime, now + 60 s] is a wrong clock.
  const issuedAt = typeof fields.issued_at === 'string' ? Date.parse(fields.issued_at) : NaN;
  // Equivalent mutants: the upper bound cannot change the result (an issued_at after now is after startedAt too, and
  // Math.min picks startedAt either way). The comment also hides the lower bound's mutants, which the boundary test in
  // test/token-response.test.ts kills.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (see above)
  const start =
    issuedAt >= ctx.now - lifetimeMs && issuedAt <= ctx.now + 60_000
      ? Math.min(ctx.startedAt, issuedAt)
      : ctx.startedAt;
  // A JWT's own exp bounds the lifetime, with or without expires_in: the registry checks exp, and exp has whole
  // seconds, so a short token can end up to a second before expires_in says. An exp already past by our clock
  // means the clocks disagree, and is ignored.
  const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : 0;
  const expiresAt = exp > ctx.now ? Math.min(start + lifetimeMs, exp) : start + lifetimeMs;

  const oauthScope = nonEmptyString(fields.scope);
  const scopes = oauthScope
    ? mergeScopes(oauthScope)
    : (scopesFromAccessClaim(claims?.access) ?? mergeScopes(ctx.requestedScopes));
  const refreshToken = nonEmptyString(fields.refresh_token);
  return { token, expiresAt, obtainedAt: ctx.startedAt, scopes, ...(refreshToken && { refreshToken }) };
}
