// Access checks on the registry: bearer tokens (distribution and django-oci flavours), Basic, or none.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nowSec } from './context.ts';
import type { Context } from './context.ts';
import { parseBasic, parseBearer, quote, sendError } from './http-util.ts';
import { verifyJwt } from './jwt.ts';
import type { AccessEntry } from './jwt.ts';
import { covers } from './policy.ts';

export interface Need {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export interface AccessCheck {
  /** What the route needs (empty for `/v2/`: any authenticated caller). */
  needs: Need[];
  /** Extra scopes named in the challenge but not required (the `from` of a cross-repository mount). */
  optional?: Need[];
  /** django-oci: a pull on a public repository needs no token at all. */
  publicRead?: boolean;
}

export interface Granted {
  user?: string;
  /** Whether the caller may do `action` on `type:name` (used for the optional mount source). */
  allows(type: string, name: string, action: string): boolean;
}

export const BASIC_REALM = 'Reference Registry';

const needScope = (n: Need): string => `${n.type}:${n.name}:${n.actions.join(',')}`;

function accessDetail(needs: Need[]): unknown {
  return needs.flatMap((n) => n.actions.map((a) => ({ Type: n.type, Class: '', Name: n.name, Action: a })));
}

function entriesAllow(entries: AccessEntry[], type: string, name: string, action: string): boolean {
  return entries.some((e) => e.type === type && e.name === name && covers(e.actions, action));
}

/**
 * Checks the request against `check`. Returns what was granted, or undefined after answering the request
 * with a 401 (or 403) itself.
 */
export function authorize(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  check: AccessCheck,
): Granted | undefined {
  if (ctx.auth === 'none') return { allows: () => true };
  if (ctx.auth === 'basic') return authorizeBasic(ctx, req, res, check);
  return ctx.mode === 'django-oci' ? authorizeDjango(ctx, req, res, check) : authorizeBearer(ctx, req, res, check);
}

const expectation = (ctx: Context) => ({
  issuer: ctx.issuer,
  audience: ctx.service,
  nowSec: nowSec(ctx),
  leewaySec: ctx.expiryLeewaySec,
});

function bearerChallenge(ctx: Context, scopes: Need[], error?: string): string {
  const parts = [`realm=${quote(ctx.realm)}`, `service=${quote(ctx.service)}`];
  if (scopes.length > 0) parts.push(`scope=${quote(scopes.map(needScope).join(' '))}`);
  if (error) parts.push(`error=${quote(error)}`);
  return `Bearer ${parts.join(',')}`;
}

function unauthorized(req: IncomingMessage, res: ServerResponse, challenge: string, needs: Need[]): undefined {
  sendError(req, res, 401, 'UNAUTHORIZED', 'authentication required', needs.length ? accessDetail(needs) : null, {
    'WWW-Authenticate': challenge,
  });
  return undefined;
}

/** rejectTokensEarly: a chosen token is refused once its uses are spent, as a stricter clock or a revocation would. */
function rejectedEarly(ctx: Context, jti: string): boolean {
  const left = ctx.early.chosen.get(jti);
  if (left === undefined) return false;
  if (left > 0) {
    ctx.early.chosen.set(jti, left - 1);
    return false;
  }
  ctx.early.rejected.add(jti);
  return true;
}

function authorizeBearer(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  check: AccessCheck,
): Granted | undefined {
  const challengeScopes = [...check.needs, ...(check.optional ?? [])];
  const token = parseBearer(req.headers.authorization);
  if (token === undefined) return unauthorized(req, res, bearerChallenge(ctx, challengeScopes), check.needs);
  const verified = verifyJwt(ctx.key, token, expectation(ctx));
  if (!verified.ok || rejectedEarly(ctx, verified.claims.jti)) {
    return unauthorized(req, res, bearerChallenge(ctx, challengeScopes, 'invalid_token'), check.needs);
  }
  const access = verified.claims.access;
  const ok = check.needs.every((n) => n.actions.every((a) => entriesAllow(access, n.type, n.name, a)));
  if (!ok) return unauthorized(req, res, bearerChallenge(ctx, challengeScopes, 'insufficient_scope'), check.needs);
  return {
    user: verified.claims.sub || undefined,
    allows: (type, name, action) => entriesAllow(access, type, name, action),
  };
}

/**
 * django-oci: the challenge has no scheme and always asks `push,pull`; every authenticated view requires both
 * `push` and `pull` in the token, whatever the method.
 */
function authorizeDjango(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  check: AccessCheck,
): Granted | undefined {
  if (check.publicRead) return { allows: () => false };
  const needs: Need[] = check.needs.map((n) => (n.type === 'repository' ? { ...n, actions: ['push', 'pull'] } : n));
  const scope = needs.map(needScope).join(' ');
  const challenge = `realm=${quote(ctx.realm)},service=${quote(ctx.service)}${scope ? `,scope=${quote(scope)}` : ''}`;
  const token = parseBearer(req.headers.authorization);
  const verified = token === undefined ? undefined : verifyJwt(ctx.key, token, expectation(ctx));
  if (!verified?.ok) return unauthorized(req, res, challenge, needs);
  const access = verified.claims.access;
  if (!needs.every((n) => n.actions.every((a) => entriesAllow(access, n.type, n.name, a)))) {
    return unauthorized(req, res, challenge, needs);
  }
  return {
    user: verified.claims.sub || undefined,
    allows: (type, name, action) => entriesAllow(access, type, name, action),
  };
}

/** ECR/Nexus style: Basic credentials on every request, checked against the policy directly. */
function authorizeBasic(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  check: AccessCheck,
): Granted | undefined {
  const challenge = `Basic realm=${quote(BASIC_REALM)}`;
  const basic = parseBasic(req.headers.authorization);
  if (basic && !ctx.policy.authenticate(basic.username, basic.password))
    return unauthorized(req, res, challenge, check.needs);
  const user = basic?.username;
  const allows = (type: string, name: string, action: string): boolean => {
    if (type === 'registry') return name === 'catalog' && ctx.policy.mayCatalog(user);
    return covers(ctx.policy.allowedActions(user, name), action);
  };
  if (check.needs.length === 0 && user === undefined) return unauthorized(req, res, challenge, check.needs);
  if (check.needs.every((n) => n.actions.every((a) => allows(n.type, n.name, a)))) return { user, allows };
  if (user === undefined) return unauthorized(req, res, challenge, check.needs);
  sendError(req, res, 403, 'DENIED', 'requested access to the resource is denied', accessDetail(check.needs));
  return undefined;
}
