// The token endpoint (realm): docker token GET, OAuth2 POST, and the django-oci variant.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nowSec } from './context.ts';
import type { Context } from './context.ts';
import { parseBasic, readBody, rfc3339Nano, send, sendError, sendJson } from './http-util.ts';
import { signJwt } from './jwt.ts';
import type { AccessEntry } from './jwt.ts';
import { formatScope, parseScope } from './policy.ts';
import type { ScopeRequest } from './policy.ts';

/** True when `path` belongs to the token endpoint (used to route on a shared server and to count). */
export function isTokenPath(ctx: Context, path: string): boolean {
  return path === ctx.realmPath || (ctx.mode === 'django-oci' && path === `${ctx.realmPath}/`);
}

export async function handleTokenRequest(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (applyFault(ctx, req, res)) return;
  const method = req.method ?? 'GET';
  if (ctx.mode === 'django-oci') {
    if (url.pathname === ctx.realmPath) {
      // Django's APPEND_SLASH: a permanent redirect to the same path with a slash, query kept, path-only Location.
      send(req, res, 301, { Location: `${ctx.realmPath}/${url.search}`, 'Content-Type': 'text/html; charset=utf-8' });
      return;
    }
    if (url.pathname === `${ctx.realmPath}/` && (method === 'GET' || method === 'HEAD'))
      return djangoToken(ctx, req, res, url);
    send(req, res, 405, { Allow: 'GET', 'Content-Type': 'text/html; charset=utf-8' });
    return;
  }
  if (url.pathname !== ctx.realmPath) {
    send(req, res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, '404 page not found\n');
    return;
  }
  if (method === 'GET' || method === 'HEAD') return getToken(ctx, req, res, url);
  if (method === 'POST') {
    if (!ctx.postTokenEndpoint) {
      send(req, res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, '404 page not found\n');
      return;
    }
    return postToken(ctx, req, res);
  }
  send(req, res, 405, { Allow: 'GET, POST', 'Content-Type': 'text/plain; charset=utf-8' }, 'method not allowed\n');
}

/** Applies a configured fault; true when the request was consumed by it. */
function applyFault(ctx: Context, req: IncomingMessage, res: ServerResponse): boolean {
  const current = ctx.tokenFault;
  if (!current) return false;
  if (current.remaining !== undefined && --current.remaining <= 0) ctx.tokenFault = undefined;
  const fault = current.fault;
  if (fault === 'hang') return true; // never answered; the connection is destroyed on close()
  if (fault === 'reset') {
    req.socket.destroy();
    return true;
  }
  const headers: Record<string, string> = {
    'Content-Type': fault.contentType ?? 'text/plain; charset=utf-8',
    ...fault.headers,
  };
  send(req, res, fault.status, headers, fault.body ?? '');
  return true;
}

/** Splits scope parameters (also space-separated lists inside one) and parses them; undefined if one is malformed. */
function parseScopes(values: string[]): ScopeRequest[] | undefined {
  const out: ScopeRequest[] = [];
  for (const s of values.flatMap((v) => v.split(' ')).filter((v) => v !== '')) {
    const parsed = parseScope(s);
    if (!parsed) return undefined;
    out.push(parsed);
  }
  return out;
}

interface Issued {
  token: string;
  issuedAtMs: number;
  access: AccessEntry[];
}

function issue(ctx: Context, user: string | undefined, access: AccessEntry[]): Issued {
  const issuedAtMs = ctx.clock();
  const iat = nowSec(ctx);
  const jti = randomUUID();
  const token = signJwt(ctx.key, {
    iss: ctx.issuer,
    sub: user ?? '',
    aud: ctx.service,
    // A registry with leeway would accept the token that much longer: sign it to die on time anyway.
    exp: iat + ctx.tokenLifetimeSec - ctx.expiryLeewaySec,
    nbf: iat,
    iat,
    jti,
    access,
  });
  ctx.issued++;
  const early = ctx.early;
  if (early.share > 0 && Math.floor((early.count + 1) * early.share) > Math.floor(early.count * early.share)) {
    early.chosen.set(jti, early.afterUses);
  }
  if (early.share > 0) early.count++;
  return { token, issuedAtMs, access };
}

function tokenBody(ctx: Context, issued: Issued): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (ctx.tokenField !== 'access_token') body.token = issued.token;
  if (ctx.tokenField !== 'token') body.access_token = issued.token;
  if (!ctx.omitExpiresIn) body.expires_in = ctx.tokenLifetimeSec;
  body.issued_at = rfc3339Nano(issued.issuedAtMs);
  return body;
}

function newRefreshToken(ctx: Context, user: string): string {
  const token = randomBytes(24).toString('base64url');
  ctx.refreshTokenOwners.set(token, user);
  return token;
}

function unauthorized(req: IncomingMessage, res: ServerResponse): void {
  sendError(req, res, 401, 'UNAUTHORIZED', 'authentication required');
}

function oauthError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
): void {
  sendJson(req, res, status, { error, error_description: description });
}

async function getToken(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const q = url.searchParams;
  const service = q.get('service');
  if (service !== null && service !== ctx.service) {
    sendError(req, res, 400, 'UNSUPPORTED', 'unknown service', { service });
    return;
  }
  const scopes = parseScopes(q.getAll('scope'));
  if (!scopes) {
    sendError(req, res, 400, 'UNSUPPORTED', 'invalid scope');
    return;
  }
  let user: string | undefined;
  if (req.headers.authorization !== undefined) {
    const basic = parseBasic(req.headers.authorization);
    // Other schemes (a stray Bearer) are ignored: the request is treated as anonymous.
    if (basic) {
      if (!ctx.policy.authenticate(basic.username, basic.password)) return unauthorized(req, res);
      user = basic.username;
    }
  }
  const issued = issue(ctx, user, ctx.policy.grant(user, scopes));
  const body = tokenBody(ctx, issued);
  if (q.get('offline_token') === 'true' && user !== undefined && ctx.refreshTokens) {
    body.refresh_token = newRefreshToken(ctx, user);
  }
  sendJson(req, res, 200, body);
}

async function postToken(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = Buffer.from(await readBody(req)).toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return oauthError(req, res, 400, 'invalid_request', 'body must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(raw);
  if (!form.get('client_id')) return oauthError(req, res, 400, 'invalid_request', 'missing client_id');
  const service = form.get('service');
  if (service !== null && service !== ctx.service)
    return oauthError(req, res, 400, 'invalid_request', 'unknown service');
  const scopes = parseScopes(form.getAll('scope'));
  if (!scopes) return oauthError(req, res, 400, 'invalid_scope', 'invalid scope');

  let user: string;
  let refreshToken: string | undefined;
  const grantType = form.get('grant_type');
  if (grantType === 'password') {
    const username = form.get('username') ?? '';
    if (!ctx.policy.authenticate(username, form.get('password') ?? '')) return unauthorized(req, res);
    user = username;
    if (ctx.refreshTokens) refreshToken = newRefreshToken(ctx, user);
  } else if (grantType === 'refresh_token') {
    const presented = form.get('refresh_token') ?? '';
    const owner = ctx.refreshTokenOwners.get(presented);
    if (owner === undefined || !ctx.policy.users.has(owner)) {
      return oauthError(req, res, 400, 'invalid_grant', 'unknown or revoked refresh token');
    }
    user = owner;
    if (ctx.refreshTokens) refreshToken = presented;
  } else {
    return oauthError(req, res, 400, 'unsupported_grant_type', `unsupported grant_type ${JSON.stringify(grantType)}`);
  }

  const issued = issue(ctx, user, ctx.policy.grant(user, scopes));
  const body = tokenBody(ctx, issued);
  body.scope = issued.access.map(formatScope).join(' ');
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  sendJson(req, res, 200, body);
}

/** Python's naive `datetime.now().isoformat()` on a UTC-5 host, with a `Z` glued on: 5 hours off. */
function djangoIssuedAt(ms: number): string {
  const shifted = new Date(ms - 5 * 3600_000).toISOString(); // 2024-01-01T07:00:00.123Z
  return shifted.replace(/\.(\d{3})Z$/, '.$1000Z');
}

async function djangoToken(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const basic = parseBasic(req.headers.authorization);
  if (!basic || !ctx.policy.authenticate(basic.username, basic.password)) {
    send(req, res, 403, { 'Content-Type': 'text/html; charset=utf-8' }, '<h1>403 Forbidden</h1>');
    return;
  }
  const scopes = parseScopes(url.searchParams.getAll('scope')) ?? [];
  const issued = issue(ctx, basic.username, ctx.policy.grant(basic.username, scopes));
  const body: Record<string, unknown> = { token: issued.token };
  if (!ctx.omitExpiresIn) body.expires_in = ctx.tokenLifetimeSec;
  body.issued_at = djangoIssuedAt(issued.issuedAtMs);
  sendJson(req, res, 200, body);
}
