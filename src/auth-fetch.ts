// createAuthFetch: a fetch that answers registry challenges, caches tokens and retries once.

import { parseChallenges, selectChallenge } from './challenge.ts';
import { resolveCredential } from './credentials.ts';
import type { CredentialsOption } from './credentials.ts';
import { basicAuthorization } from './encoding.ts';
import { displayUrl, InsecureRealmError, OciAuthError } from './errors.ts';
import { fetchFollowingRedirects, isBrowser, isSecureForSecrets } from './http.ts';
import { LearnedActions } from './learned-actions.ts';
import type { FetchLike } from './http.ts';
import { mergeScopes, scopesForRequest } from './scope.ts';
import { abortable, TokenManager } from './token-manager.ts';
import type { AuthEvent, AuthFetch, Challenge, Credential, EventListener, TokenCache } from './types.ts';

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

/** What a registry asked for the first time we met it. */
type RegistryAuth =
  | { scheme: 'bearer'; realm: URL; service?: string }
  | { scheme: 'basic' };

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
  const now = options.now ?? Date.now;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const extraScopes = mergeScopes(options.scopes);
  const tokens = new TokenManager({
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
  /** Registries whose first request is in flight: others wait for what it learns. */
  const discoveries = new Map<string, Promise<void>>();

  const emit = (event: AuthEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener must not break requests
    }
  };

  const allowInsecure = (registry: string) =>
    options.allowInsecureRealm === true ||
    (Array.isArray(options.allowInsecureRealm) && options.allowInsecureRealm.includes(registry));

  /** Learn a registry's auth from a challenge (remembered for later requests); returns it. */
  function remember(registry: string, base: URL, challenge: Challenge): RegistryAuth | undefined {
    let auth: RegistryAuth | undefined;
    if (challenge.scheme === 'bearer' && challenge.params.realm) {
      let realm: URL;
      try {
        realm = new URL(challenge.params.realm, base);
      } catch {
        throw new OciAuthError('CHALLENGE_PARSE', `The registry ${registry} named a realm that is not a URL.`);
      }
      if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
        throw new InsecureRealmError(`The registry ${registry} named a realm that is not http(s).`, displayUrl(realm));
      }
      auth = { scheme: 'bearer', realm, service: challenge.params.service };
    } else if (challenge.scheme === 'basic') {
      auth = { scheme: 'basic' };
      // Harbor answers a token with too little scope by a Basic challenge: answer it, but a registry
      // known to use tokens stays a token registry.
      if (registries.get(registry)?.scheme === 'bearer') return auth;
    }
    if (auth) registries.set(registry, auth);
    return auth;
  }

  /** The challenge a 401 carries (or the configured one), or undefined when there is none to answer. */
  function challengeOf(response: Response, registry: string): Challenge | undefined {
    const header = response.headers.get('www-authenticate') ?? options.challenges?.[registry];
    if (header === undefined || header === null || header.trim() === '') {
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
    return selectChallenge(parseChallenges(header));
  }

  function configuredAuth(registry: string, url: URL): RegistryAuth | undefined {
    const hint = options.challenges?.[registry];
    if (hint === undefined) return undefined;
    const challenge = selectChallenge(parseChallenges(hint));
    return challenge ? remember(registry, url, challenge) : undefined;
  }

  /** Authorization for a request to a registry whose auth is known; undefined when we have nothing to send. */
  async function authorize(
    auth: RegistryAuth,
    registry: string,
    url: URL,
    scopes: string[],
    rejected: string | undefined,
    signal: AbortSignal | null | undefined,
  ): Promise<Authorization | undefined> {
    const realm = auth.scheme === 'bearer' ? auth.realm : undefined;
    const service = auth.scheme === 'bearer' ? auth.service : undefined;
    // A static credential needs no context (the warm path builds none).
    const credential =
      typeof options.credentials === 'function'
        ? await resolveCredential(options.credentials, {
            registry,
            ...(realm ? { realm: realm.href } : {}),
            ...(service !== undefined ? { service } : {}),
            scopes: [...scopes], // the provider's to keep: `scopes` may be the memoised array
          })
        : options.credentials;
    if (credential && 'accessToken' in credential) return { header: `Bearer ${credential.accessToken}` };
    if (auth.scheme === 'basic') return basicFor(registry, url, credential);
    try {
      const issued = await tokens.get({
        registry,
        realm: auth.realm,
        service: auth.service,
        scopes,
        credential,
        allowInsecure: allowInsecure(registry),
        registryHttps: url.protocol === 'https:',
        ...(rejected !== undefined ? { rejected } : {}),
        signal,
      });
      if (options.onEvent) emit({
        type: 'token',
        source: issued.source,
        registry,
        realm: displayUrl(auth.realm),
        ...(auth.service !== undefined ? { service: auth.service } : {}),
        scopes: [...scopes], // the listener's to keep: `scopes` may be the memoised array
        ...(issued.grant ? { grant: issued.grant } : {}),
        expiresIn: Math.max(0, Math.round((issued.expiresAt - now()) / 1000)),
      });
      return { header: `Bearer ${issued.token}`, tokenKey: issued.key, token: issued.token };
    } catch (error) {
      if (error instanceof OciAuthError) emit({ type: 'error', registry, error });
      throw error;
    }
  }

  /** Basic registries (ECR, Nexus) take the credential itself, over https or to this machine only. */
  function basicFor(registry: string, url: URL, credential: Credential | undefined): Authorization | undefined {
    if (!credential) return undefined;
    if (!allowInsecure(registry) && !isSecureForSecrets(url)) {
      throw new InsecureRealmError(
        `Refusing to send Basic credentials to ${registry} over plain http. Use https, or allowInsecureRealm.`,
        registry,
      );
    }
    if ('password' in credential) return { header: basicAuthorization(credential.username, credential.password) };
    if ('refreshToken' in credential) {
      return { header: basicAuthorization(credential.username ?? '<token>', credential.refreshToken) };
    }
    return undefined;
  }

  async function send(out: Outgoing, authorization: Authorization | undefined): Promise<Response> {
    const headers = new Headers(out.init.headers);
    if (authorization) headers.set('authorization', authorization.header);
    return fetchFollowingRedirects(fetchImpl, out.url, { ...out.init, method: out.method, headers });
  }

  /** One GET /v2/ to learn the registry's auth before a body that cannot be sent twice. */
  async function probe(registry: string, url: URL, signal: AbortSignal | null | undefined): Promise<RegistryAuth | undefined> {
    const v2 = url.pathname.indexOf('/v2/');
    const ping = new URL(url.origin + (v2 >= 0 ? url.pathname.slice(0, v2 + 4) : '/v2/'));
    const response = await fetchImpl(ping, { method: 'GET', ...(signal ? { signal } : {}) });
    await response.body?.cancel().catch(() => {});
    if (response.status !== 401) {
      emit({ type: 'discovery', registry, scheme: 'none' });
      return undefined;
    }
    const challenge = challengeOf(response, registry);
    const auth = challenge ? remember(registry, url, challenge) : undefined;
    emit({ type: 'discovery', registry, scheme: auth?.scheme ?? 'none' });
    return auth;
  }

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const out = outgoing(input, init);
    const headers = new Headers(out.init.headers);
    // The caller authenticated this request themselves: stay out of the way.
    if (headers.has('authorization')) return fetchImpl(input, init);

    const registry = out.url.host;
    const signal = out.init.signal;
    const { inferred, needed } = scopesFor(registry, out.url, out.method);

    let auth = registries.get(registry) ?? configuredAuth(registry, out.url);
    if (!auth && discoveries.has(registry)) {
      await abortable(discoveries.get(registry)!, signal).catch((error: unknown) => {
        if (signal?.aborted) throw error;
      });
      auth = registries.get(registry);
    }

    let response: Response | undefined;
    let sent: Authorization | undefined;
    if (!auth && !out.replayable) {
      auth = await shareDiscovery(registry, () => probe(registry, out.url, signal));
    } else if (!auth) {
      // First contact: this request is the probe; concurrent ones wait for what it learns.
      let first: Response | undefined;
      auth = await shareDiscovery(registry, async () => {
        first = await send(out, undefined);
        const challenge = first.status === 401 ? challengeOf(first, registry) : undefined;
        return challenge ? remember(registry, out.url, challenge) : undefined;
      });
      response = first;
    }
    if (!response) {
      if (auth) sent = await authorize(auth, registry, out.url, needed, undefined, signal);
      response = await send(out, sent);
    }
    if (response.status !== 401) return response;

    const challenge = challengeOf(response, registry);
    if (!challenge) return response;
    const learntAuth = remember(registry, out.url, challenge);
    const challengeScopes = mergeScopes(challenge.params.scope);
    if (learned.learn(registry, out.url, out.method, inferred, challengeScopes)) scopeMemo.clear();
    emit({
      type: 'challenge',
      registry,
      scheme: challenge.scheme,
      ...(learntAuth?.scheme === 'bearer' ? { realm: displayUrl(learntAuth.realm) } : {}),
      ...(challenge.params.service !== undefined ? { service: challenge.params.service } : {}),
      scopes: [...challengeScopes],
      ...(challenge.params.error !== undefined ? { error: challenge.params.error } : {}),
    });
    // A stream is gone once sent: the caller gets the 401 rather than a silently truncated retry.
    if (!learntAuth || !out.replayable) return response;
    if (sent?.tokenKey && sent.token) await tokens.evict(sent.tokenKey, sent.token);
    const retryScopes = mergeScopes(challengeScopes, needed);
    const retryAuth = await authorize(learntAuth, registry, out.url, retryScopes, sent?.token, signal);
    if (!retryAuth) return response;
    await response.body?.cancel().catch(() => {});
    const error = challenge.params.error;
    emit({
      type: 'retry',
      registry,
      method: out.method,
      url: displayUrl(out.url),
      reason: error === 'insufficient_scope' || error === 'invalid_token' ? error : 'challenge',
    });
    return send(out, retryAuth);
  };

  /** Run `learn` once per registry at a time; concurrent callers wait for the leader's result. */
  async function shareDiscovery(
    registry: string,
    learn: () => Promise<RegistryAuth | undefined>,
  ): Promise<RegistryAuth | undefined> {
    const pending = discoveries.get(registry);
    if (pending) {
      await pending.catch(() => {});
      return registries.get(registry);
    }
    const run = learn();
    const settled = run.then(
      () => {},
      () => {},
    );
    discoveries.set(registry, settled);
    try {
      return await run;
    } finally {
      if (discoveries.get(registry) === settled) discoveries.delete(registry);
    }
  }
}

/** Normalise fetch's (input, init) into something that can be sent more than once when the body allows. */
function outgoing(input: RequestInfo | URL, init: RequestInit | undefined): Outgoing {
  let base: RequestInit = {};
  let url: URL;
  if (typeof Request !== 'undefined' && input instanceof Request) {
    url = new URL(input.url);
    base = {
      method: input.method,
      headers: input.headers,
      signal: input.signal,
      redirect: input.redirect,
      credentials: input.credentials,
      cache: input.cache,
      integrity: input.integrity,
      keepalive: input.keepalive,
      referrerPolicy: input.referrerPolicy,
    };
    if (input.body !== null && init?.body === undefined) {
      base.body = input.body;
      (base as { duplex?: string }).duplex = 'half';
    }
  } else {
    url = new URL(input instanceof URL ? input.href : String(input));
  }
  const merged: RequestInit = { ...base, ...init };
  const method = (merged.method ?? 'GET').toUpperCase();
  const body = merged.body;
  const replayable =
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    body instanceof URLSearchParams ||
    (typeof FormData !== 'undefined' && body instanceof FormData);
  if (!replayable) (merged as { duplex?: string }).duplex = 'half';
  return { url, method, init: merged, replayable };
}
