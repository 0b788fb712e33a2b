// Asking a realm for a token: docker GET with Basic, or the OAuth2 POST grants with GET fallback.

import { basicAuthorization } from './encoding.ts';
import { displayUrl, InsecureRealmError, OciAuthError, redact, TokenRequestError, TokenResponseError } from './errors.ts';
import { BodyTooLargeError, discard, fetchFollowingRedirects, isBrowser, readTextLimited } from './http.ts';
import type { FetchLike } from './http.ts';
import { parseTokenResponse } from './token-response.ts';
import type { TokenResult } from './token-response.ts';
import type { Credential, GrantKind, PasswordCredential, RefreshTokenCredential } from './types.ts';

/** What stays the same for every token request of one auth fetch. */
export interface TokenClientOptions {
  fetch: FetchLike;
  clientId: string;
  /** Use the OAuth2 password grant (POST) for password credentials instead of docker's GET + Basic. */
  passwordGrant: boolean;
  /** Fetch `credentials` mode for realm requests (browsers: 'include' sends SSO cookies). */
  realmCredentials?: RequestCredentials;
  tokenTimeoutMs: number;
  /** Extra attempts for a GET that meets 429, 5xx or a dropped connection. */
  tokenRetries: number;
  maxTokenResponseBytes: number;
  now: () => number;
}

export interface TokenRequest {
  realm: URL;
  service?: string;
  scopes: string[];
  /** Password or refresh-token credential; absent for an anonymous token. */
  credential?: Credential;
  /** A refresh token this realm issued earlier; preferred over the credential's own grant. */
  refreshToken?: string;
  /** Known not to take POST: go straight to GET. */
  postUnsupported?: boolean;
  /** Whether secrets may go to this realm (`maySendSecret`, decided by the caller). */
  secretsAllowed: boolean;
}

export interface TokenGrant {
  result: TokenResult;
  grant: GrantKind;
  /** The realm answered the POST with 404/405: it has no OAuth2 endpoint (remember it). */
  postUnsupported?: boolean;
}

/** A realm's answer, read whole (and bounded) inside the request's timeout. */
interface Answer {
  status: number;
  headers: Headers;
  /** Absent when the answer only leads to a fallback or a retry: its body is discarded unread. */
  body?: string;
  /** When the request was sent: the conservative start of a token's life. */
  started: number;
}

/** Errors worth another try: the connection failed or broke, as opposed to an answer. */
const transient = new WeakSet<object>();
/** Longest Retry-After honoured; a server asking for more gets its error reported instead. */
const MAX_RETRY_AFTER_MS = 10_000;

export async function requestToken(options: TokenClientOptions, req: TokenRequest): Promise<TokenGrant> {
  const { realm, credential } = req;
  const password = credential && 'password' in credential ? credential : undefined;
  const refreshToken = req.refreshToken ?? (credential as RefreshTokenCredential | undefined)?.refreshToken;
  const where = displayUrl(realm);
  if ((refreshToken !== undefined || password) && !req.secretsAllowed) {
    throw new InsecureRealmError(
      `Refusing to send credentials to ${where} over plain http. ` +
        'Use an https realm, or set allowInsecureRealm for this registry if you trust the network.',
      where,
    );
  }
  // docker's GET sends Basic: the user's own password wins over a refresh token, so that a GET after a refused
  // refresh grant still works.
  const authorization = password
    ? basicAuthorization(password.username, password.password)
    : refreshToken !== undefined
      ? basicAuthorization((credential as RefreshTokenCredential | undefined)?.username || '<token>', refreshToken)
      : undefined;
  // What a server might echo back: each secret as is, URL-encoded, form-encoded, and the Basic value.
  const secrets = [password?.password, (credential as RefreshTokenCredential | undefined)?.refreshToken, req.refreshToken]
    .flatMap((secret) => (secret ? [secret, encodeURIComponent(secret), new URLSearchParams({ secret }).toString().slice(7)] : []))
    .concat(authorization?.slice(6) ?? []);
  const fail = (code: 'TOKEN_DENIED' | 'TOKEN_REQUEST_FAILED' | 'TOKEN_TIMEOUT', message: string, extra?: object) =>
    new TokenRequestError(code, `The token endpoint ${where} ${message}`, { realm: where, ...extra });

  /**
   * One request to the realm, its body read within the timeout unless `unread` says the answer only leads to a
   * fallback or a retry; network failures become typed errors.
   */
  async function exchange(url: URL, init: RequestInit, secretBody: boolean, unread: (r: Response) => boolean): Promise<Answer> {
    const signal = AbortSignal.timeout(options.tokenTimeoutMs);
    const started = options.now();
    let status: number | undefined;
    try {
      const response = await fetchFollowingRedirects(
        options.fetch,
        url,
        { ...init, signal, ...(options.realmCredentials && { credentials: options.realmCredentials }) },
        secretBody,
      );
      status = response.status;
      const { headers } = response;
      if (unread(response)) {
        await discard(response);
        return { status, headers, started };
      }
      return { status, headers, body: await readTextLimited(response, options.maxTokenResponseBytes), started };
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new TokenResponseError(
          `The token endpoint ${where} sent a body larger than ${error.limit} bytes (HTTP ${status}); refusing to read it.`,
          where,
        );
      }
      if (error instanceof OciAuthError) throw error;
      if (signal.aborted) {
        throw fail('TOKEN_TIMEOUT', `did not answer within ${options.tokenTimeoutMs} ms. Check that it is up, or raise tokenTimeoutMs.`, { status });
      }
      const failure = fail(
        'TOKEN_REQUEST_FAILED',
        `${status === undefined ? 'could not be reached' : 'broke off while answering'} (${causeOf(error)}). ` +
          `Check the network and DNS.${corsHint(realm, options.realmCredentials)}`,
        { status, cause: error },
      );
      transient.add(failure);
      throw failure;
    }
  }

  /** The token in a realm's answer, or a typed error that says what the realm said. */
  function grantFrom(answer: Required<Answer>): TokenResult {
    const { status, body } = answer;
    if (status >= 300 && status < 400) {
      throw fail(
        'TOKEN_REQUEST_FAILED',
        `redirected (HTTP ${status}) to another origin with the credentials' form; it was not followed. ` +
          'Point the registry at the final token URL.',
        { status },
      );
    }
    if (status !== 200) {
      let [serverCode, serverMessage] = serverError(body, answer.headers.get('content-type'));
      serverCode &&= redact(serverCode, secrets);
      serverMessage &&= redact(serverMessage, secrets);
      const detail = [`HTTP ${status}`, [serverCode, serverMessage].filter(Boolean).join(': ')].filter(Boolean).join(' ');
      const details = { status, serverCode, serverMessage };
      if (status === 401 || status === 403) {
        const who = (credential as PasswordCredential | undefined)?.username
          ? `the credentials of user "${(credential as PasswordCredential).username}"`
          : credential || req.refreshToken
            ? 'the credentials'
            : 'an anonymous request';
        throw fail(
          'TOKEN_DENIED',
          `refused ${who} (${detail}). Check the username and password or token, and that the account may access the requested scopes.`,
          details,
        );
      }
      throw fail(
        'TOKEN_REQUEST_FAILED',
        `failed (${detail}). ${status >= 500 || status === 429 ? 'It may be overloaded or down; try again later.' : 'Check the realm and service.'}`,
        details,
      );
    }
    const result = parseTokenResponse(body, { realm: where, requestedScopes: req.scopes, startedAt: answer.started, now: options.now() });
    if (secrets.includes(result.token)) {
      throw new TokenResponseError(`The token endpoint ${where} echoed a credential back as the token.`, where);
    }
    return result;
  }

  if (!req.postUnsupported && (refreshToken !== undefined || (password && options.passwordGrant))) {
    const form = new URLSearchParams(
      refreshToken !== undefined
        ? { grant_type: 'refresh_token', refresh_token: refreshToken }
        : { grant_type: 'password', username: password!.username, password: password!.password },
    );
    if (req.service !== undefined) form.set('service', req.service);
    form.set('client_id', options.clientId);
    if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
    // Real servers (GCR, ACR, Artifactory, plain distribution) say "no OAuth2 POST here" with these: use GET.
    const { status, headers, body, started } = await exchange(
      realm,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: form.toString() },
      true,
      (r) => [400, 401, 404, 405].includes(r.status),
    );
    if (body !== undefined) {
      return { result: grantFrom({ status, headers, body, started }), grant: refreshToken !== undefined ? 'refresh_token' : 'password' };
    }
    return { ...(await viaGet()), postUnsupported: status === 404 || status === 405 };
  }
  return viaGet();

  /** docker's GET: `realm?service=…&scope=…&scope=…`, anonymous or with Basic; retried when transient. */
  async function viaGet(): Promise<TokenGrant> {
    const url = new URL(realm);
    if (req.service !== undefined) url.searchParams.set('service', req.service);
    for (const scope of req.scopes) url.searchParams.append('scope', scope);
    const grant = authorization ? 'basic' : 'anonymous';
    for (let attempt = 0; ; attempt++) {
      // Worth another try: a transient status with a Retry-After we are willing to wait for.
      const retryAfter = (r: Response) =>
        attempt < options.tokenRetries && [429, 500, 502, 503, 504].includes(r.status)
          ? retryDelay(r.headers.get('retry-after'), attempt)
          : undefined;
      let delay: number | undefined;
      try {
        const { status, headers, body, started } = await exchange(
          url,
          { method: 'GET', headers: authorization ? { authorization } : {} },
          false,
          (r) => retryAfter(r) !== undefined,
        );
        if (body !== undefined) return { result: grantFrom({ status, headers, body, started }), grant };
        delay = retryDelay(headers.get('retry-after'), attempt);
      } catch (error) {
        if (attempt >= options.tokenRetries || !transient.has(error as object)) throw error;
        delay = retryDelay(null, attempt);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Backoff before retry `attempt` (0-based): Retry-After when sane, else 200 ms doubling with jitter; undefined: too long. */
function retryDelay(retryAfter: string | null, attempt: number): number | undefined {
  const ms = !retryAfter?.trim() ? NaN : Number(retryAfter) < Infinity ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - Date.now();
  if (Number.isNaN(ms)) return 200 * 2 ** attempt * (0.8 + Math.random() * 0.4);
  return ms > MAX_RETRY_AFTER_MS ? undefined : Math.max(0, ms);
}

/**
 * In a page, a realm on another origin that sends no CORS headers fails exactly like an unreachable one: name
 * the headers it must send for this page (docs/browser.md).
 */
function corsHint(realm: URL, realmCredentials: RequestCredentials | undefined): string {
  const origin = isBrowser ? globalThis.location?.origin : undefined;
  if (!origin || origin === realm.origin) return '';
  const credentialed = realmCredentials === 'include' ? ', "Access-Control-Allow-Credentials: true"' : '';
  return ` In a page, a realm without CORS fails this way: it needs "Access-Control-Allow-Origin: ${origin}"${credentialed} and "Access-Control-Allow-Headers: Authorization".`;
}

/** What a failed fetch says happened (undici puts the reason in `cause`), without trusting its shape. */
export function causeOf(error: unknown): string {
  const e = error as { message?: unknown; cause?: { message?: unknown } } | undefined;
  const text = e?.cause?.message ?? e?.message;
  return typeof text === 'string' ? text.slice(0, 200) : 'unknown error';
}

/**
 * Error code and message in any of the shapes token servers use: distribution's `errors[0]`, OAuth2's `error`
 * and `error_description`, Docker Hub's `details`, a plain `message`; else the text itself, unless it is HTML.
 */
function serverError(body: string, contentType: string | null): [code?: string, message?: string] {
  const text = (value: unknown) => (typeof value === 'string' && value ? value.slice(0, 500) : undefined);
  try {
    const json = JSON.parse(body);
    if (json && typeof json === 'object') {
      const e = json.errors?.[0] ?? json;
      return [text(e.code) ?? text(e.error), text(e.error_description) ?? text(e.details) ?? text(e.message)];
    }
  } catch {
    // not JSON
  }
  if (contentType?.includes('html') || /^\s*</.test(body)) return [undefined, '(an HTML page)'];
  return [undefined, body.trim().slice(0, 200) || undefined];
}
