// Reading a token endpoint's JSON answer into a token with a trustworthy expiry and its granted scopes.

import { jwtDecode } from 'jwt-decode';
import { TokenResponseError } from './errors.ts';
import { mergeScopes } from './scope.ts';

/** The spec's default lifetime, used when a server sends no usable `expires_in`. */
export const DEFAULT_EXPIRES_IN_SEC = 60;

export interface TokenResult {
  token: string;
  /** Epoch ms when the token stops being valid. */
  expiresAt: number;
  /** Epoch ms when we asked for it (the conservative start of its life). */
  obtainedAt: number;
  /** What the server granted: OAuth `scope`, else the JWT `access` claim, else what was asked. */
  scopes: string[];
  refreshToken?: string;
}

export interface TokenResponseContext {
  /** Token endpoint without query, for messages. */
  realm: string;
  requestedScopes: string[];
  /** Epoch ms when the token request was sent. */
  startedAt: number;
  /** Epoch ms now. */
  now: number;
}

interface JwtClaims {
  exp?: unknown;
  access?: unknown;
}

/** `expires_in` as sent: a positive number or numeric string; anything else counts as absent. */
function positiveSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function readJwt(token: string): JwtClaims | undefined {
  try {
    return jwtDecode<JwtClaims>(token);
  } catch {
    return undefined; // an opaque token is fine
  }
}

/** Scopes from a distribution JWT `access` claim: `[{type, name, actions}]`. */
export function scopesFromAccessClaim(access: unknown): string[] | undefined {
  if (!Array.isArray(access)) return undefined;
  const scopes: string[] = [];
  for (const entry of access) {
    if (!entry || typeof entry !== 'object') continue;
    const { type, name, actions } = entry as { type?: unknown; name?: unknown; actions?: unknown };
    if (typeof type !== 'string' || typeof name !== 'string' || !Array.isArray(actions)) continue;
    const acts = actions.filter((a): a is string => typeof a === 'string');
    if (acts.length > 0) scopes.push(`${type}:${name}:${acts.join(',')}`);
  }
  return mergeScopes(scopes);
}

export function parseTokenResponse(body: string, ctx: TokenResponseContext): TokenResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new TokenResponseError(
      `The token endpoint ${ctx.realm} answered 200 with a body that is not JSON. ` +
        'Check that the realm URL points at the token service and not at a login page or proxy.',
      ctx.realm,
    );
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new TokenResponseError(
      `The token endpoint ${ctx.realm} answered 200 with JSON that is not an object; expected {"token": …} or {"access_token": …}.`,
      ctx.realm,
    );
  }
  const fields = json as Record<string, unknown>;
  // access_token wins when both are present and differ, as every Go client does.
  const candidate = nonEmptyString(fields.access_token) ?? nonEmptyString(fields.token);
  if (candidate === undefined) {
    const present = 'token' in fields || 'access_token' in fields;
    throw new TokenResponseError(
      `The token endpoint ${ctx.realm} answered 200 without a usable token ` +
        (present ? '(`token`/`access_token` is empty or not a string). ' : '(no `token` or `access_token` field). ') +
        'The server may not implement the docker token protocol at this URL.',
      ctx.realm,
    );
  }
  const claims = readJwt(candidate);
  const expiresIn = positiveSeconds(fields.expires_in);
  const lifetimeMs = (expiresIn ?? DEFAULT_EXPIRES_IN_SEC) * 1000;

  // The life starts when we asked, or earlier when the server says it issued the token earlier
  // (servers that hand out cached tokens). An issued_at outside [now - lifetime, now + 60 s] is a wrong clock.
  let start = ctx.startedAt;
  const issuedAt = typeof fields.issued_at === 'string' ? Date.parse(fields.issued_at) : Number.NaN;
  if (Number.isFinite(issuedAt) && issuedAt >= ctx.now - lifetimeMs && issuedAt <= ctx.now + 60_000) {
    start = Math.min(start, issuedAt);
  }
  let expiresAt = start + lifetimeMs;
  // A JWT's own exp bounds the lifetime, with or without expires_in: the registry checks exp, and exp has whole
  // seconds, so a short token can end up to a second before expires_in says. An exp already past by our clock
  // means the clocks disagree, and is ignored.
  if (typeof claims?.exp === 'number') {
    const exp = claims.exp * 1000;
    if (exp > ctx.now) expiresAt = Math.min(expiresAt, exp);
  }

  const oauthScope = nonEmptyString(fields.scope);
  const scopes =
    (oauthScope !== undefined ? mergeScopes(oauthScope) : undefined) ??
    scopesFromAccessClaim(claims?.access) ??
    mergeScopes(ctx.requestedScopes);

  const result: TokenResult = { token: candidate, expiresAt, obtainedAt: ctx.startedAt, scopes };
  const refresh = nonEmptyString(fields.refresh_token);
  if (refresh !== undefined) result.refreshToken = refresh;
  return result;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
