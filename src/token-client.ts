// Asking a realm for a token: docker GET with Basic, or the OAuth2 POST grants with GET fallback.

import { basicAuthorization } from './encoding.ts';
import {
  displayUrl,
  InsecureRealmError,
  OciAuthError,
  redact,
  TokenRequestError,
  TokenResponseError,
} from './errors.ts';
import { BodyTooLargeError, fetchFollowingRedirects, isBrowser, isSecureForSecrets, readTextLimited } from './http.ts';
import type { FetchLike } from './http.ts';
import { parseTokenResponse } from './token-response.ts';
import type { TokenResult } from './token-response.ts';
import type { Credential, GrantKind } from './types.ts';

export interface TokenRequest {
  realm: URL;
  service?: string;
  scopes: string[];
  /** Password or refresh-token credential; absent for an anonymous token. */
  credential?: Credential;
  /** A refresh token this realm issued earlier; preferred over the credential's own grant. */
  refreshToken?: string;
  clientId: string;
  /** Use the OAuth2 password grant (POST) for password credentials instead of docker's GET + Basic. */
  passwordGrant: boolean;
  /** Known not to take POST: go straight to GET. */
  postUnsupported: boolean;
  /** Allow secrets to go to a plain-http realm. */
  allowInsecure: boolean;
  /** The registry was reached over https. */
  registryHttps: boolean;
  /** Fetch `credentials` mode for the realm request (browsers: 'include' sends SSO cookies). */
  fetchCredentials?: RequestCredentials;
  timeoutMs: number;
  /** Extra attempts for a GET that meets 429, 5xx or a dropped connection. */
  retries: number;
  maxBodyBytes: number;
  now: () => number;
  fetch: FetchLike;
}

export interface TokenGrant {
  result: TokenResult;
  grant: GrantKind;
  /** The realm answered the POST with 404/405: it has no OAuth2 endpoint (remember it). */
  postUnsupported: boolean;
}

/** Statuses with which real servers (GCR, ACR, Artifactory, plain distribution) say "no OAuth2 POST here". */
const POST_FALLBACK_STATUSES = new Set([400, 401, 404, 405]);

export async function requestToken(req: TokenRequest): Promise<TokenGrant> {
  const cred = req.credential;
  const refreshToken = req.refreshToken ?? (cred && 'refreshToken' in cred ? cred.refreshToken : undefined);
  const password = cred && 'password' in cred ? cred : undefined;
  // Secrets go over https, or over http to this machine when the registry itself is plain http (local
  // development); an https registry cannot point them at an http port, loopback or not.
  const realmSafe = req.realm.protocol === 'https:' || (!req.registryHttps && isSecureForSecrets(req.realm));
  if ((refreshToken !== undefined || password) && !req.allowInsecure && !realmSafe) {
    throw new InsecureRealmError(
      `Refusing to send credentials to ${displayUrl(req.realm)} over plain http. ` +
        'Use an https realm, or set allowInsecureRealm for this registry if you trust the network.',
      displayUrl(req.realm),
    );
  }

  const usePost = !req.postUnsupported && (refreshToken !== undefined || (password !== undefined && req.passwordGrant));
  if (usePost) {
    const form = new URLSearchParams();
    if (refreshToken !== undefined) {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', refreshToken);
    } else if (password) {
      form.set('grant_type', 'password');
      form.set('username', password.username);
      form.set('password', password.password);
    }
    if (req.service !== undefined) form.set('service', req.service);
    form.set('client_id', req.clientId);
    if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
    const started = req.now();
    const response = await send(
      req,
      req.realm,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: form.toString(),
      },
      true,
    );
    if (!POST_FALLBACK_STATUSES.has(response.status)) {
      const grant: GrantKind = refreshToken !== undefined ? 'refresh_token' : 'password';
      return { result: await readGrant(req, response, started), grant, postUnsupported: false };
    }
    await response.body?.cancel().catch(() => {});
    const viaGet = await getToken(req, refreshToken);
    return { ...viaGet, postUnsupported: response.status === 404 || response.status === 405 };
  }
  return { ...(await getToken(req, refreshToken)), postUnsupported: false };
}

/** docker's GET: `realm?service=…&scope=…&scope=…`, anonymous or with Basic. */
async function getToken(req: TokenRequest, refreshToken: string | undefined): Promise<Omit<TokenGrant, 'postUnsupported'>> {
  const url = new URL(req.realm);
  if (req.service !== undefined) url.searchParams.set('service', req.service);
  for (const scope of req.scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  const cred = req.credential;
  let grant: GrantKind = 'anonymous';
  // The user's own password wins over a refresh token: a GET after a refused refresh grant must still work.
  if (cred && 'password' in cred) {
    headers.authorization = basicAuthorization(cred.username, cred.password);
    grant = 'basic';
  } else if (refreshToken !== undefined) {
    const username = cred && 'refreshToken' in cred && cred.username ? cred.username : '<token>';
    headers.authorization = basicAuthorization(username, refreshToken);
    grant = 'basic';
  }
  // A GET is idempotent: transient failures (429, 5xx, a dropped connection) are retried with backoff.
  for (let attempt = 0; ; attempt++) {
    const started = req.now();
    try {
      const response = await send(req, url, { method: 'GET', headers });
      if (RETRY_STATUSES.has(response.status) && attempt < req.retries) {
        const delay = retryDelay(response.headers.get('retry-after'), attempt);
        if (delay !== undefined) {
          await response.body?.cancel().catch(() => {});
          await sleep(delay);
          continue;
        }
      }
      return { result: await readGrant(req, response, started), grant };
    } catch (error) {
      if (attempt >= req.retries || !transient.has(error as Error)) throw error;
      await sleep(retryDelay(null, attempt)!);
    }
  }
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Longest Retry-After honoured; a server asking for more gets its error reported instead. */
const MAX_RETRY_AFTER_MS = 10_000;
/** Errors worth another try: the connection failed or broke, as opposed to an answer. */
const transient = new WeakSet<Error>();

/** Backoff before retry `attempt` (0-based): Retry-After when sane, else 200 ms doubling, with jitter. */
function retryDelay(retryAfter: string | null, attempt: number): number | undefined {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (!Number.isFinite(ms)) return backoff(attempt);
    return ms > MAX_RETRY_AFTER_MS ? undefined : Math.max(0, ms);
  }
  return backoff(attempt);
}

function backoff(attempt: number): number {
  return 200 * 2 ** attempt * (0.8 + Math.random() * 0.4);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function send(req: TokenRequest, url: URL, init: RequestInit, secretBody = false): Promise<Response> {
  const realm = displayUrl(req.realm);
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    return await fetchFollowingRedirects(
      req.fetch,
      url,
      { ...init, signal, ...(req.fetchCredentials ? { credentials: req.fetchCredentials } : {}) },
      undefined,
      secretBody,
    );
  } catch (error) {
    if (signal.aborted) {
      throw new TokenRequestError(
        'TOKEN_TIMEOUT',
        `The token endpoint ${realm} did not answer within ${req.timeoutMs} ms. Check that it is up, or raise tokenTimeoutMs.`,
        { realm },
      );
    }
    if (error instanceof OciAuthError) throw error;
    const failure = new TokenRequestError(
      'TOKEN_REQUEST_FAILED',
      `Could not reach the token endpoint ${realm} (${safeCause(error)}). Check the network and DNS.${corsHint(req)}`,
      { realm, cause: error },
    );
    transient.add(failure);
    throw failure;
  }
}

/**
 * In a page, a realm on another origin that sends no CORS headers fails exactly like an unreachable one: name
 * the headers it must send for this page (docs/browser.md).
 */
function corsHint(req: TokenRequest): string {
  const origin = isBrowser ? (globalThis as { location?: { origin?: string } }).location?.origin : undefined;
  if (!origin || origin === req.realm.origin) return '';
  const withCookies = req.fetchCredentials === 'include' ? ' and "Access-Control-Allow-Credentials: true"' : '';
  return (
    ` In a browser this is also what a token endpoint without CORS looks like: it must answer this page with ` +
    `"Access-Control-Allow-Origin: ${origin}"${withCookies}, and its preflights (OPTIONS) with ` +
    '"Access-Control-Allow-Headers: Authorization".'
  );
}

async function readGrant(req: TokenRequest, response: Response, started: number): Promise<TokenResult> {
  const realm = displayUrl(req.realm);
  let body: string;
  try {
    body = await readTextLimited(response, req.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new TokenResponseError(
        `The token endpoint ${realm} sent a body larger than ${error.limit} bytes (HTTP ${response.status}); refusing to read it.`,
        realm,
      );
    }
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new TokenRequestError(
        'TOKEN_TIMEOUT',
        `The token endpoint ${realm} did not finish its answer within ${req.timeoutMs} ms. Check that it is healthy, or raise tokenTimeoutMs.`,
        { realm, status: response.status },
      );
    }
    const broken = new TokenRequestError(
      'TOKEN_REQUEST_FAILED',
      `The connection to the token endpoint ${realm} broke while reading its answer (${safeCause(error)}).`,
      { realm, status: response.status, cause: error },
    );
    transient.add(broken);
    throw broken;
  }
  const secrets = secretsOf(req);
  if (response.status >= 300 && response.status < 400) {
    throw new TokenRequestError(
      'TOKEN_REQUEST_FAILED',
      `The token endpoint ${realm} redirected (HTTP ${response.status}) to another origin with the credentials' form; ` +
        'it was not followed. Point the registry at the final token URL.',
      { realm, status: response.status },
    );
  }
  if (response.status !== 200) {
    const { code, message } = serverError(body, response.headers.get('content-type'));
    const serverCode = code === undefined ? undefined : redact(code, secrets);
    const serverMessage = message === undefined ? undefined : redact(message, secrets);
    const said = [serverCode, serverMessage].filter(Boolean).join(': ');
    const detail = `HTTP ${response.status}${said ? ` ${said}` : ''}`;
    if (response.status === 401 || response.status === 403) {
      const who = req.credential && 'username' in req.credential && req.credential.username
        ? `the credentials of user "${req.credential.username}"`
        : req.credential || req.refreshToken
          ? 'the credentials'
          : 'an anonymous request';
      throw new TokenRequestError(
        'TOKEN_DENIED',
        `The token endpoint ${realm} refused ${who} (${detail}). Check the username and password or token, ` +
          'and that the account may access the requested scopes.',
        { realm, status: response.status, serverCode, serverMessage },
      );
    }
    throw new TokenRequestError(
      'TOKEN_REQUEST_FAILED',
      `The token endpoint ${realm} failed (${detail}). ` +
        (response.status >= 500 || response.status === 429 ? 'It may be overloaded or down; try again later.' : 'Check the realm and service.'),
      { realm, status: response.status, serverCode, serverMessage },
    );
  }
  const result = parseTokenResponse(body, { realm, requestedScopes: req.scopes, startedAt: started, now: req.now() });
  if (secrets.includes(result.token)) {
    throw new TokenResponseError(`The token endpoint ${realm} echoed a credential back as the token.`, realm);
  }
  return result;
}

function secretsOf(req: TokenRequest): string[] {
  const cred = req.credential;
  const out: string[] = [];
  if (cred && 'password' in cred) out.push(cred.password);
  if (cred && 'refreshToken' in cred) out.push(cred.refreshToken);
  if (req.refreshToken) out.push(req.refreshToken);
  return out;
}

/** Error code and message in any of the shapes token servers use. */
function serverError(body: string, contentType: string | null): { code?: string; message?: string } {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const first = Array.isArray(json.errors) ? (json.errors[0] as Record<string, unknown> | undefined) : undefined;
    if (first) return { code: str(first.code), message: str(first.message) };
    if (typeof json.error === 'string') return { code: json.error, message: str(json.error_description) };
    if (typeof json.details === 'string') return { message: json.details };
    if (typeof json.message === 'string') return { message: json.message };
  } catch {
    // not JSON
  }
  if (contentType?.includes('html') || /^\s*</.test(body)) return { message: '(an HTML page)' };
  const text = body.trim().slice(0, 200);
  return text ? { message: text } : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, 500) : undefined;
}

function safeCause(error: unknown): string {
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return cause.slice(0, 200);
}
