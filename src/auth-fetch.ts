// createAuthFetch: a fetch that answers registry challenges, caches tokens and retries once.

import { parseChallenges, selectChallenge } from './challenge.ts';
import { resolveCredential } from './credentials.ts';
import type { CredentialsOption } from './credentials.ts';
import { basicAuthorization } from './encoding.ts';
import { displayUrl, InsecureRealmError, OciAuthError } from './errors.ts';
import { discard, fetchFollowingRedirects, isBrowser, isSecureForSecrets } from './http.ts';
import { LearnedActions } from './learned-actions.ts';
import type { FetchLike } from './http.ts';
import { mergeScopes, scopesForRequest } from './scope.ts';
import { abortable, createTokenManager } from './token-manager.ts';
import type { AuthEvent, AuthFetch, Challenge, EventListener, PasswordCredential, RefreshTokenCredential, TokenCache } from './types.ts';

export interface AuthFetchOptions {
  /** A credential, a provider called per registry, or nothing for anonymous access. */
  credentials?: CredentialsOption;
  /** The fetch underneath. Default: `globalThis.fetch` (looked up at call time). */
  fetch?: FetchLike;
  /** Where tokens are kept. Default: a `MemoryTokenCache` (LRU, 1000 entries) per auth fetch. */
  cache?: TokenCache;
  /** Scopes to ask for on top of what each request needs (e.g. `repository:other:pull` for a mount). */
  scopes?: string[];
  /** OAuth2 `client_id` sent with POST grants. Default `oci-auth-fetch`. */
  clientId?: string;
  /** Receives challenge, token, retry, discovery and error events (never secrets). */
  onEvent?: EventListener;
  /** Replace a token this long before it expires (capped at a quarter of its lifetime). Default 10 000 ms. */
  expiryMarginMs?: number;
  /** Give up on a token endpoint after this long. Default 30 000 ms. */
  tokenTimeoutMs?: number;
  /** Extra attempts for a token GET that meets 429, 5xx or a dropped connection (with backoff). Default 2. */
  tokenRetries?: number;
  /** Largest token response read. Default 1 MiB. */
  maxTokenResponseBytes?: number;
  /** Use the OAuth2 password grant (POST) for username/password credentials. Default false (docker's GET). */
  passwordGrant?: boolean;
  /** Registries (`host[:port]`) whose realm may receive credentials over plain http, or `true` for all. */
  allowInsecureRealm?: boolean | string[];
  /**
   * A `WWW-Authenticate` value to use per registry (`host[:port]`) when the registry shows none: browsers
   * behind a registry that does not expose the header, or registries whose `/v2/` answers 200.
   */
  challenges?: Record<string, string>;
  /** Fetch `credentials` mode for token requests; `'include'` sends cookies to SSO realms. Default: fetch's. */
  realmCredentials?: RequestCredentials;
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** What a registry asked for the first time we met it: a token realm, or Basic when `realm` is absent. */
interface RegistryAuth {
  realm?: URL;
  service?: string;
}

interface Outgoing {
  url: URL;
  method: string;
  init: RequestInit;
  /** The body can be sent again (anything but a stream). */
  replayable: boolean;
}

interface Authorization {
  header: string;
  /** Cache key and value of the bearer token used, to evict it when the registry rejects it. */
  tokenKey?: string;
  token?: string;
}

export function createAuthFetch(options: AuthFetchOptions = {}): AuthFetch {
  const { credentials, onEvent, allowInsecureRealm: insecure, now = Date.now } = options;
  const challenges = options.challenges ?? {};
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const extraScopes = mergeScopes(options.scopes);
  const tokens = createTokenManager({
    cache: options.cache,
    fetch: fetchImpl,
    clientId: options.clientId ?? 'oci-auth-fetch',
    expiryMarginMs: options.expiryMarginMs ?? 10_000,
    tokenTimeoutMs: options.tokenTimeoutMs ?? 30_000,
    tokenRetries: options.tokenRetries ?? 2,
    maxTokenResponseBytes: options.maxTokenResponseBytes ?? 1024 * 1024,
    passwordGrant: options.passwordGrant ?? false,
    realmCredentials: options.realmCredentials,
    now,
  });
  const registries = new Map<string, RegistryAuth>();
  /** Registries whose first request is in flight: others wait for what it learns (true: the registry answered). */
  const discoveries = new Map<string, Promise<boolean>>();
  const learned = new LearnedActions();
  /** Scopes per request shape: parsing and merging them is most of the warm path's own cost. */
  const scopeMemo = new Map<string, { inferred: string[]; needed: string[] }>();
  const scopesFor = (registry: string, url: URL, method: string) => {
    const key = `${method} ${url.host}${url.pathname}${url.search}`;
    let scopes = scopeMemo.get(key);
    if (scopes === undefined) {
      const inferred = scopesForRequest(url, method);
      scopes = { inferred, needed: mergeScopes(learned.widen(registry, url, method, inferred), extraScopes) };
      scopeMemo.set(key, scopes);
      if (scopeMemo.size > 512) scopeMemo.delete(scopeMemo.keys().next().value!);
    }
    return scopes;
  };

  /** Reports an event (without its undefined fields); a throwing listener must not break requests. */
  const emit = (event: AuthEvent) => {
    try {
      onEvent?.(defined(event));
    } catch {
      // ignored
    }
  };

  /** The configured challenge for a registry (own keys only: a host may be called `constructor`). */
  const hintFor = (registry: string) => (Object.hasOwn(challenges, registry) ? challenges[registry] : undefined);
  const allowInsecure = (registry: string) => insecure === true || (Array.isArray(insecure) && insecure.includes(registry));

  /** Learn a registry's auth from a challenge (remembered for later requests); returns it. */
  function remember(registry: string, base: URL, { scheme, params }: Challenge): RegistryAuth | undefined {
    if (scheme === 'basic') {
      // Harbor answers a token with too little scope by a Basic challenge: answer it, but a registry
      // known to use tokens stays a token registry.
      if (!registries.get(registry)?.realm) registries.set(registry, {});
      return {};
    }
    if (scheme !== 'bearer' || !params.realm) return undefined;
    let realm: URL;
    try {
      realm = new URL(params.realm, base);
    } catch {
      throw new OciAuthError('CHALLENGE_PARSE', `The registry ${registry} named a realm that is not a URL.`);
    }
    if (!/^https?:$/.test(realm.protocol)) {
      throw new InsecureRealmError(`The registry ${registry} named a realm that is not http(s).`, displayUrl(realm));
    }
    const auth = { realm, service: params.service };
    registries.set(registry, auth);
    return auth;
  }

  /** The challenge a 401 carries (or the configured one), or undefined when there is none to answer. */
  function challengeOf(response: Response, registry: string): Challenge | undefined {
    const header = response.headers.get('www-authenticate')?.trim() || hintFor(registry);
    if (header) return selectChallenge(parseChallenges(header));
    if (isBrowser) {
      throw new OciAuthError(
        'CHALLENGE_HIDDEN',
        `The registry ${registry} answered 401 but its WWW-Authenticate header is not visible to this page. ` +
          'The registry must send "Access-Control-Expose-Headers: WWW-Authenticate" (see docs/browser.md), ' +
          `or pass challenges: { "${registry}": 'Bearer realm="…",service="…"' } to createAuthFetch.`,
      );
    }
    return undefined;
  }

  /** Authorization for a request to a registry whose auth is known; undefined when we have nothing to send. */
  async function authorize(
    { realm, service }: RegistryAuth,
    registry: string,
    url: URL,
    scopes: string[],
    rejected: string | undefined,
    signal: AbortSignal | null | undefined,
  ): Promise<Authorization | undefined> {
    // A static credential needs no context (the warm path builds none). The provider and listeners get their
    // own copy of `scopes`, which may be the memoised array.
    const credential =
      typeof credentials === 'function'
        ? await resolveCredential(credentials, defined({ registry, realm: realm?.href, service, scopes: [...scopes] }))
        : credentials;
    if (credential && 'accessToken' in credential) return { header: `Bearer ${credential.accessToken}` };
    if (!realm) {
      // Basic registries (ECR, Nexus) take the credential itself, over https or to this machine only.
      if (!credential) return undefined;
      if (!allowInsecure(registry) && !isSecureForSecrets(url)) {
        throw new InsecureRealmError(
          `Refusing to send Basic credentials to ${registry} over plain http. Use https, or allowInsecureRealm.`,
          registry,
        );
      }
      const { username, password, refreshToken } = credential as Partial<PasswordCredential & RefreshTokenCredential>;
      return { header: basicAuthorization(username ?? '<token>', (password ?? refreshToken)!) };
    }
    try {
      const issued = await tokens.get({
        realm,
        service,
        scopes,
        credential,
        allowInsecure: allowInsecure(registry),
        registryHttps: url.protocol === 'https:',
        rejected,
        signal,
      });
      if (onEvent) {
        emit({
          type: 'token',
          source: issued.source,
          registry,
          realm: displayUrl(realm),
          service,
          scopes: [...scopes],
          grant: issued.grant,
          expiresIn: Math.max(0, Math.round((issued.expiresAt - now()) / 1000)),
        });
      }
      return { header: `Bearer ${issued.token}`, tokenKey: issued.key, token: issued.token };
    } catch (error) {
      if (error instanceof OciAuthError) emit({ type: 'error', registry, error });
      throw error;
    }
  }

  function send(out: Outgoing, authorization?: string): Promise<Response> {
    const headers = new Headers(out.init.headers);
    if (authorization) headers.set('authorization', authorization);
    return fetchFollowingRedirects(fetchImpl, out.url, { ...out.init, method: out.method, headers });
  }

  /** One GET /v2/ to learn the registry's auth before a body that cannot be sent twice. */
  async function probe(registry: string, url: URL, signal: AbortSignal | null | undefined): Promise<RegistryAuth | undefined> {
    const v2 = url.pathname.indexOf('/v2/');
    const response = await fetchImpl(new URL(url.origin + (v2 < 0 ? '/v2/' : url.pathname.slice(0, v2 + 4))), defined({ method: 'GET', signal }));
    await discard(response);
    const challenge = response.status === 401 ? challengeOf(response, registry) : undefined;
    const auth = challenge && remember(registry, url, challenge);
    emit({ type: 'discovery', registry, scheme: auth ? (auth.realm ? 'bearer' : 'basic') : 'none' });
    return auth;
  }

  /** Run `learn` once per registry at a time; concurrent callers wait for the leader's result. */
  async function shareDiscovery(registry: string, learn: () => Promise<RegistryAuth | undefined>): Promise<RegistryAuth | undefined> {
    const pending = discoveries.get(registry);
    if (pending) {
      await pending;
      return registries.get(registry);
    }
    const run = learn();
    const settled = run.then(
      () => true,
      () => false,
    );
    discoveries.set(registry, settled);
    try {
      return await run;
    } finally {
      if (discoveries.get(registry) === settled) discoveries.delete(registry);
    }
  }

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const out = outgoing(input, init);
    // The caller authenticated this request themselves: stay out of the way.
    if (new Headers(out.init.headers).has('authorization')) return fetchImpl(input, init);

    const registry = out.url.host;
    const signal = out.init.signal;
    const { inferred, needed } = scopesFor(registry, out.url, out.method);

    let auth = registries.get(registry);
    const hint = !auth && hintFor(registry);
    if (hint) {
      const challenge = selectChallenge(parseChallenges(hint));
      auth = challenge && remember(registry, out.url, challenge);
    }
    // Another request is meeting this registry for the first time: wait for what it learns.
    const pending = !auth && discoveries.get(registry);
    const answered = pending && (await abortable(pending, signal));
    if (pending) auth = registries.get(registry);
    let response: Response | undefined;
    let sent: Authorization | undefined;
    // First contact: a request whose body can be sent twice is itself the probe; a stream waits for GET /v2/.
    // After a discovery that the registry answered without a challenge, the waiters just go (an open registry).
    if (!auth && !(answered && out.replayable)) {
      auth = await shareDiscovery(registry, async () => {
        if (!out.replayable) return probe(registry, out.url, signal);
        const first = await send(out);
        response = first;
        const challenge = first.status === 401 ? challengeOf(first, registry) : undefined;
        return challenge && remember(registry, out.url, challenge);
      });
    }
    if (!response) {
      if (auth) sent = await authorize(auth, registry, out.url, needed, undefined, signal);
      response = await send(out, sent?.header);
    }
    if (response.status !== 401) return response;

    const challenge = challengeOf(response, registry);
    if (!challenge) return response;
    const learnt = remember(registry, out.url, challenge);
    const { service, error } = challenge.params;
    const challengeScopes = mergeScopes(challenge.params.scope);
    if (learned.learn(registry, out.url, out.method, inferred, challengeScopes)) scopeMemo.clear();
    emit({
      type: 'challenge',
      registry,
      scheme: challenge.scheme,
      realm: learnt?.realm && displayUrl(learnt.realm),
      service,
      scopes: [...challengeScopes],
      error,
    });
    // A stream is gone once sent: the caller gets the 401 rather than a silently truncated retry.
    if (!learnt || !out.replayable) return response;
    if (sent?.tokenKey) await tokens.evict(sent.tokenKey, sent.token!);
    const retry = await authorize(learnt, registry, out.url, mergeScopes(challengeScopes, needed), sent?.token, signal);
    if (!retry) return response;
    await discard(response);
    emit({
      type: 'retry',
      registry,
      method: out.method,
      url: displayUrl(out.url),
      reason: error === 'insufficient_scope' || error === 'invalid_token' ? error : 'challenge',
    });
    return send(out, retry.header);
  };
}

/** The object without its undefined fields: optional fields are absent, as the types document, not undefined. */
function defined<T extends object>(object: T): T {
  for (const name in object) if (object[name] === undefined) delete object[name];
  return object;
}

/** Request fields carried over when the input is a Request. */
const REQUEST_FIELDS = ['method', 'headers', 'signal', 'redirect', 'credentials', 'cache', 'integrity', 'keepalive', 'referrerPolicy'] as const;

/** Normalise fetch's (input, init) into something that can be sent more than once when the body allows. */
function outgoing(input: RequestInfo | URL, init: RequestInit | undefined): Outgoing {
  const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
  const merged: RequestInit & { duplex?: 'half' } = {
    ...(request && Object.fromEntries(REQUEST_FIELDS.map((name) => [name, request[name]]))),
    ...(request?.body && init?.body === undefined && { body: request.body }),
    ...init,
  };
  const body = merged.body;
  const replayable =
    body == null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    body instanceof URLSearchParams ||
    (typeof FormData !== 'undefined' && body instanceof FormData);
  if (!replayable) merged.duplex = 'half';
  return { url: new URL(request ? request.url : String(input)), method: (merged.method ?? 'GET').toUpperCase(), init: merged, replayable };
}
