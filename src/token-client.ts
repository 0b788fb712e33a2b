// Asking a realm for a token: one function per grant (docker's GET, the OAuth2 POST), a dispatcher choosing
// between them, and a pure function turning a realm's refusal into a typed error.

import { basicAuthorization } from './encoding.ts';
import { displayUrl, OciAuthError, plainHttpRefused, redact, TokenRequestError, TokenResponseError } from './errors.ts';
import type { TokenRequestErrorDetails } from './errors.ts';
import { BodyTooLargeError, discard, fetchFollowingRedirects, isBrowser, readTextLimited } from './http.ts';
import type { FetchLike } from './http.ts';
import { parseTokenResponse } from './token-response.ts';
import type { CachedToken, Credential, GrantKind, PasswordCredential, RefreshTokenCredential } from './types.ts';

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

/** A token to ask a realm for. */
export interface TokenRequest {
  realm: URL;
  service?: string;
  /** Canonical scope list (mergeScopes output). */
  scopes: string[];
  /** Password or refresh-token credential; absent for an anonymous token. */
  credential?: Credential;
  /** A refresh token this realm issued earlier; preferred over the credential's own grant. */
  refreshToken?: string;
  /** Known not to take POST: go straight to GET. */
  postUnsupported?: boolean;
  /** Whether secrets may go to this realm (`maySendSecret`, decided by the caller). */
  secretsAllowed: boolean;
  /** Whose tokens these are (the cache key's part): a hash of the credential, never the secret. */
  identity: string;
  /**
   * A token the registry just rejected as invalid: the answer must be a token obtained after that rejection
   * (one fetch shared by every request that met it).
   */
  rejected?: string;
  /** Ends this caller's wait (not a fetch other callers share). */
  signal?: AbortSignal | null;
}

/** A realm's token, how it was obtained, and what the realm said on the way. */
export interface TokenGrant extends CachedToken {
  grant: GrantKind;
  /** A refresh token the realm handed out with it. */
  refreshToken?: string;
  /** The realm answered the POST with 404/405: it has no OAuth2 endpoint (remember it). */
  postUnsupported?: boolean;
}

/** One token request made ready: the client's settings, the request, what it sends and the secrets to keep quiet. */
interface Ask extends TokenClientOptions, TokenRequest {
  /** The realm for messages: origin and path. */
  where: string;
  /** docker's GET: Basic with the password, else with the refresh token. */
  authorization?: string;
  /** The OAuth2 form, when the credential has a POST grant the realm may take. */
  form?: URLSearchParams;
  /** Each secret as sent and as a server might echo it (URL- and form-encoded, the Basic value). */
  secrets: string[];
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

/** Longest Retry-After honoured; a server asking for more gets its error reported instead. */
const MAX_RETRY_AFTER_MS = 10_000;

/** The OAuth2 POST when the credential has a grant for it, else (or when the realm has none) docker's GET. */
export async function requestToken(options: TokenClientOptions, req: TokenRequest): Promise<TokenGrant> {
  const ask = prepare(options, req);
  const posted = ask.form && (await fetchOAuth2Token(ask));
  if (posted && 'token' in posted) return posted;
  return { ...(await fetchDistributionToken(ask)), ...posted };
}

function prepare(options: TokenClientOptions, req: TokenRequest): Ask {
  const credential = req.credential as Partial<PasswordCredential & RefreshTokenCredential> | undefined;
  const password = credential?.password;
  const refreshToken = req.refreshToken ?? credential?.refreshToken;
  const where = displayUrl(req.realm);
  if ((refreshToken ?? password) !== undefined && !req.secretsAllowed) throw plainHttpRefused('credentials', where);
  // docker's GET sends Basic: the user's own password wins over a refresh token, so that a GET after a refused
  // refresh grant still works.
  const authorization =
    password !== undefined
      ? basicAuthorization(credential!.username!, password)
      : refreshToken !== undefined
        ? basicAuthorization(credential?.username || '<token>', refreshToken)
        : undefined;
  const secrets = [password, credential?.refreshToken, req.refreshToken]
    .flatMap((secret) =>
      // Equivalent mutant: for an absent secret the `[]` adds nothing, its mutant a fixed string no server sends (the
      // line's other array mutant does not type-check).
      // Stryker disable next-line ArrayDeclaration: equivalent (see above)
      secret ? [secret, encodeURIComponent(secret), new URLSearchParams({ secret }).toString().slice(7)] : [],
    )
    .concat(authorization?.slice(6) ?? []);
  const grant: Record<string, string> | undefined = req.postUnsupported
    ? undefined
    : refreshToken !== undefined
      ? { grant_type: 'refresh_token', refresh_token: refreshToken }
      : password !== undefined && options.passwordGrant
        ? { grant_type: 'password', username: credential!.username!, password }
        : undefined;
  return { ...options, ...req, where, authorization, form: grant && oauth2Form(options, req, grant), secrets };
}

function oauth2Form(options: TokenClientOptions, req: TokenRequest, grant: Record<string, string>): URLSearchParams {
  const form = new URLSearchParams(grant);
  if (req.service !== undefined) form.set('service', req.service);
  form.set('client_id', options.clientId);
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
  return form;
}

/**
 * The OAuth2 POST (`grant_type=refresh_token` or `password`). Real servers (GCR, ACR, Artifactory, plain
 * distribution) say "no OAuth2 POST here" with 400/401/404/405: then the answer is what to tell the GET.
 */
async function fetchOAuth2Token(ask: Ask): Promise<TokenGrant | { postUnsupported: boolean }> {
  const answer = await exchange(
    ask,
    ask.realm,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: String(ask.form),
    },
    true,
    (r) => [400, 401, 404, 405].includes(r.status),
  );
  if (answer.body === undefined) return { postUnsupported: answer.status === 404 || answer.status === 405 };
  return { ...tokenFrom(ask, answer), grant: ask.form!.get('grant_type') as GrantKind };
}

/** docker's GET: `realm?service=…&scope=…&scope=…`, anonymous or with Basic; retried when transient. */
async function fetchDistributionToken(ask: Ask): Promise<TokenGrant> {
  const { authorization } = ask;
  const url = new URL(ask.realm);
  if (ask.service !== undefined) url.searchParams.set('service', ask.service);
  for (const scope of ask.scopes) url.searchParams.append('scope', scope);
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= ask.tokenRetries;
    // Worth another try: a transient status with a Retry-After we are willing to wait for.
    const retryAfter = (r: Response) =>
      last || ![429, 500, 502, 503, 504].includes(r.status)
        ? undefined
        : retryDelay(r.headers.get('retry-after'), attempt);
    let answer: Answer;
    try {
      answer = await exchange(
        ask,
        url,
        { method: 'GET', headers: authorization ? { authorization } : {} },
        false,
        (r) => retryAfter(r) !== undefined,
      );
    } catch (error) {
      if (last || !(error as Partial<TokenRequestError>).retryable) throw error;
      await sleep(retryDelay(null, attempt));
      continue;
    }
    if (answer.body !== undefined) return { ...tokenFrom(ask, answer), grant: authorization ? 'basic' : 'anonymous' };
    await sleep(retryDelay(answer.headers.get('retry-after'), attempt));
  }
}

const sleep = (ms: number | undefined) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request to the realm, its body read within the timeout unless `unread` says the answer only leads to a
 * fallback or a retry; network failures become typed errors.
 */
async function exchange(
  ask: Ask,
  url: URL,
  init: RequestInit,
  secretBody: boolean,
  unread: (r: Response) => boolean,
): Promise<Answer> {
  const signal = AbortSignal.timeout(ask.tokenTimeoutMs);
  const started = ask.now();
  let status: number | undefined;
  try {
    const response = await fetchFollowingRedirects(
      ask.fetch,
      url,
      { ...init, signal, ...(ask.realmCredentials && { credentials: ask.realmCredentials }) },
      secretBody,
    );
    status = response.status;
    const { headers } = response;
    if (unread(response)) {
      await discard(response);
      return { status, headers, started };
    }
    return { status, headers, body: await readTextLimited(response, ask.maxTokenResponseBytes), started };
  } catch (error) {
    throw failureOf(error, ask, status, signal.aborted);
  }
}

/** What a failed exchange becomes: a typed error; a connection that failed or broke is worth another try. */
function failureOf(
  error: unknown,
  { where, tokenTimeoutMs, realm, realmCredentials }: Ask,
  status: number | undefined,
  timedOut: boolean,
): unknown {
  if (error instanceof BodyTooLargeError) {
    return new TokenResponseError(
      `The token endpoint ${where} sent a body larger than ${error.limit} bytes (HTTP ${status}); refusing to read it.`,
      where,
    );
  }
  if (error instanceof OciAuthError) return error;
  if (timedOut) {
    return fail(
      where,
      'TOKEN_TIMEOUT',
      `did not answer within ${tokenTimeoutMs} ms. Check that it is up, or raise tokenTimeoutMs.`,
      { status },
    );
  }
  return fail(
    where,
    'TOKEN_REQUEST_FAILED',
    `${status === undefined ? 'could not be reached' : 'broke off while answering'} (${causeOf(error)}). ` +
      `Check the network and DNS.${corsHint(realm, realmCredentials)}`,
    { status, cause: error, retryable: true },
  );
}

/** The token in a realm's answer, or a typed error that says what the realm said. */
function tokenFrom(ask: Ask, answer: Answer): CachedToken & { refreshToken?: string } {
  if (answer.status !== 200) throw tokenRequestFailure(answer as Required<Answer>, ask);
  const token = parseTokenResponse(answer.body!, {
    realm: ask.where,
    requestedScopes: ask.scopes,
    startedAt: answer.started,
    now: ask.now(),
  });
  if (ask.secrets.includes(token.token)) {
    throw new TokenResponseError(`The token endpoint ${ask.where} echoed a credential back as the token.`, ask.where);
  }
  return token;
}

/**
 * The typed error for a realm's answer other than 200, saying what the realm said (its error code and message, in
 * any of the shapes token servers use, with every secret removed) and what to do. Pure: no I/O.
 */
export function tokenRequestFailure(
  { status, headers, body }: { status: number; headers: Headers; body: string },
  { where, credential, refreshToken, secrets }: Pick<Ask, 'where' | 'credential' | 'refreshToken' | 'secrets'>,
): TokenRequestError {
  if (status >= 300 && status < 400) {
    return fail(
      where,
      'TOKEN_REQUEST_FAILED',
      `redirected (HTTP ${status}) to another origin with the credentials' form; it was not followed. Point the registry at the final token URL.`,
      { status },
    );
  }
  let [serverCode, serverMessage] = serverError(body, headers.get('content-type'));
  serverCode &&= redact(serverCode, secrets);
  serverMessage &&= redact(serverMessage, secrets);
  const detail = [`HTTP ${status}`, [serverCode, serverMessage].filter(Boolean).join(': ')].filter(Boolean).join(' ');
  const busy = status >= 500 || status === 429;
  const details = { status, serverCode, serverMessage, retryable: busy };
  if (status === 401 || status === 403) {
    const username = (credential as Partial<PasswordCredential> | undefined)?.username;
    const who = username
      ? `the credentials of user "${username}"`
      : credential || refreshToken
        ? 'the credentials'
        : 'an anonymous request';
    return fail(
      where,
      'TOKEN_DENIED',
      `refused ${who} (${detail}). Check the username and password or token, and that the account may access the requested scopes.`,
      details,
    );
  }
  const hint = busy ? 'It may be overloaded or down; try again later.' : 'Check the realm and service.';
  return fail(where, 'TOKEN_REQUEST_FAILED', `failed (${detail}). ${hint}`, details);
}

function fail(
  where: string,
  code: 'TOKEN_DENIED' | 'TOKEN_REQUEST_FAILED' | 'TOKEN_TIMEOUT',
  message: string,
  details: Omit<TokenRequestErrorDetails, 'realm'>,
): TokenRequestError {
  return new TokenRequestError(code, `The token endpoint ${where} ${message}`, { realm: where, ...details });
}

/** Backoff before retry `attempt` (0-based): Retry-After when sane, else 200 ms doubling with jitter; undefined: too long. */
function retryDelay(retryAfter: string | null, attempt: number): number | undefined {
  // Equivalent mutant: Headers.get() returns values already trimmed, so dropping trim() changes nothing.
  // Stryker disable next-line MethodExpression: equivalent (see above)
  const ms = !retryAfter?.trim()
    ? NaN
    : Number(retryAfter) < Infinity
      ? Number(retryAfter) * 1000
      : Date.parse(retryAfter) - Date.now();
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
