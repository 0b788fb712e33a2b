// createAuthFetch: a fetch that answers each host's registry challenge, caches tokens and retries once.

import { parseChallenges, selectChallenge } from './challenge.ts';
import { callProvider, checkCredentialsOption, credentialIdentity } from './credentials.ts';
import type { CredentialsOption } from './credentials.ts';
import { basicAuthorization } from './encoding.ts';
import { displayUrl, InsecureRealmError, OciAuthError } from './errors.ts';
import { discard, follow, isBrowser, maySendSecret } from './http.ts';
import type { FetchLike } from './http.ts';
import { MemoryTokenCache } from './cache.ts';
import { LearnedActions } from './learned-actions.ts';
import { outgoing } from './request.ts';
import type { Outgoing } from './request.ts';
import { mergeScopes, scopesForRequest } from './scope.ts';
import { createStore } from './store.ts';
import { abortable, createTokenManager, touch } from './token-manager.ts';
import type { IdentifiedCredential } from './token-manager.ts';
import type { AuthEvent, AuthFetch, Challenge, Credential, EventListener, PasswordCredential, RefreshTokenCredential, TokenCache } from './types.ts';

export interface AuthFetchOptions {
  /** A credential, a provider called per registry when a token must be fetched, or nothing for anonymous access. */
  credentials?: CredentialsOption;
  /** How long a provider's answer is reused where it is sent as it is (a Basic registry, an access token). Default 300 000 ms. */
  credentialTtlMs?: number;
  /** The fetch underneath. Default: `globalThis.fetch` (looked up at call time). */
  fetch?: FetchLike;
  /** Where tokens, and what was learnt about registries, are kept. Default: a `MemoryTokenCache` (LRU, 1000 entries) per auth fetch. */
  cache?: TokenCache;
  /** A cache call that has not answered by then counts as a miss (a `cache-error` event). Default 1000 ms. */
  cacheTimeoutMs?: number;
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

/** What a host asked for the first time we met it: a token realm, or Basic when `realm` is absent. */
interface HostAuth {
  realm?: URL;
  service?: string;
  /** Read from the cache, with a realm on another origin: it gets no credential until the registry names it. */
  stored?: boolean;
}

/** What a request carried. */
interface Sent {
  header: string;
  /** The bearer token and its cache key, to reject it if the registry does. */
  token?: string;
  key?: string;
  /** A credential that went as it is (Basic, an access token): a 401 means asking for it again. */
  direct?: boolean;
}

/** A provider's latest answer for a host. */
interface Answer extends IdentifiedCredential {
  at: number;
}

const isAccessToken = (c: Credential | undefined): c is { accessToken: string } => !!c && 'accessToken' in c;

export function createAuthFetch(options: AuthFetchOptions = {}): AuthFetch {
  const credentials = checkCredentialsOption(options.credentials);
  const { onEvent, allowInsecureRealm: insecure, now = Date.now } = options;
  const challenges = options.challenges ?? {};
  const credentialTtlMs = options.credentialTtlMs ?? 300_000;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const extraScopes = mergeScopes(options.scopes);
  const store = createStore(options.cache ?? new MemoryTokenCache({ now }), (event) => emit(event), options.cacheTimeoutMs ?? 1000);
  const tokens = createTokenManager({
    cache: store,
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
  const registries = new Map<string, HostAuth>();
  /** Hosts whose first request is in flight: others wait for what it learns (true: the host answered). */
  const discoveries = new Map<string, Promise<boolean>>();
  const learned = new LearnedActions();
  /** Origins whose record was read from the cache: once per origin, shared by concurrent first requests. */
  const recalled = new Map<string, Promise<void>>();
  /** Scopes per request shape: parsing and merging them is most of the warm path's own cost. */
  const scopeMemo = new Map<string, { inferred: string[]; needed: string[] }>();
  /** A provider's latest answer per host, and its calls in flight per host and scope set. */
  const answers = new Map<string, Answer>();
  const asking = new Map<string, Promise<Answer>>();

  const scopesFor = (host: string, url: URL, method: string) => {
    const key = `${method} ${url.host}${url.pathname}${url.search}`;
    let scopes = scopeMemo.get(key);
    if (scopes === undefined) {
      const inferred = scopesForRequest(url, method);
      scopes = { inferred, needed: mergeScopes(learned.widen(host, url, method, inferred), extraScopes) };
      touch(scopeMemo, key, scopes, 512);
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
  const hintFor = (host: string) => (Object.hasOwn(challenges, host) ? challenges[host] : undefined);
  const allowInsecure = (host: string) => insecure === true || (Array.isArray(insecure) && insecure.includes(host));

  /**
   * A static credential goes to the origin a request addresses, never along a redirect elsewhere (a provider is
   * asked per host instead). Hosts are told apart by origin: https and http on one host name are two hosts.
   */
  const staticFor = (url: URL, addressed: string) => (typeof credentials === 'object' && url.origin === addressed ? credentials : undefined);

  /**
   * What is known of a host's credential without asking anyone: the provider's latest answer for it, or the static
   * credential meant for it (its identity once hashed).
   */
  function latest(url: URL, addressed: string): Partial<Answer> | undefined {
    if (typeof credentials === 'function') return answers.get(url.origin);
    const credential = staticFor(url, addressed);
    const identity = credentialIdentity(credential);
    return { credential, identity: typeof identity === 'string' ? identity : undefined, at: Infinity };
  }

  /** The credential for a host, asking the provider now: one call shared by concurrent askers of the same scopes. */
  function resolve(url: URL, addressed: string, ctx: { realm?: string; service?: string; scopes: string[] }): Promise<IdentifiedCredential> {
    if (typeof credentials !== 'function') {
      const credential = staticFor(url, addressed);
      return Promise.resolve(credentialIdentity(credential)).then((identity) => ({ credential, identity }));
    }
    const key = `${url.origin}\n${ctx.scopes.join(' ')}`;
    let pending = asking.get(key);
    if (!pending) {
      // The provider and listeners get their own copy of `scopes`, which may be the memoised array.
      const own = callProvider(credentials, defined({ registry: url.host, ...ctx, scopes: [...ctx.scopes] })).then(async (credential) => {
        const answer = { credential, identity: await credentialIdentity(credential), at: now() };
        answers.set(url.origin, answer); // one entry per host: few
        return answer;
      });
      // Only set while absent, so the entry is this call's own when it settles.
      const done = () => asking.delete(key);
      own.then(done, done);
      asking.set(key, (pending = own));
    }
    return pending;
  }

  /** Keeps what is known of a registry in the cache, for other processes (and this one, later). */
  const persist = ({ origin, host }: URL) => {
    const { realm, service } = registries.get(origin)!;
    void store.learnt(origin, { scheme: realm ? 'bearer' : 'basic', realm: realm?.href, service, actions: learned.of(host) });
  };

  /** What the cache knows of a host, read once per process and taken as its challenge; a bad record is no record. */
  const recall = (url: URL) => {
    let reading = recalled.get(url.origin);
    if (!reading) {
      reading = store.registry(url.origin).then((record) => {
        if (registries.has(url.origin)) return;
        learned.add(url.host, record?.actions);
        remember(url, { scheme: String(record?.scheme), params: { ...record } as Challenge['params'] }, true);
      });
      // A realm that is not an http(s) URL is no realm.
      recalled.set(url.origin, (reading = reading.catch(() => {})));
    }
    return reading;
  };

  /**
   * Learn a host's auth from a challenge (remembered for later requests, and in the cache unless it came from
   * there); returns it.
   */
  function remember(base: URL, { scheme, params }: Challenge, stored?: boolean): HostAuth | undefined {
    const host = base.host;
    const known = registries.get(base.origin);
    if (scheme === 'basic') {
      // Harbor answers a token with too little scope by a Basic challenge: answer it, but a registry
      // known to use tokens stays a token registry.
      if (!known?.realm) registries.set(base.origin, {});
      if (!known && !stored) persist(base);
      return {};
    }
    if (scheme !== 'bearer' || !params.realm) return undefined;
    let realm: URL;
    try {
      realm = new URL(params.realm, base);
    } catch {
      throw new OciAuthError('CHALLENGE_PARSE', `The registry ${host} named a realm that is not a URL.`);
    }
    if (!/^https?:$/.test(realm.protocol)) {
      throw new InsecureRealmError(`The registry ${host} named a realm that is not http(s).`, displayUrl(realm));
    }
    const auth = { realm, service: params.service, stored: stored && realm.origin !== base.origin };
    registries.set(base.origin, auth);
    if (!stored && (known?.realm?.href !== realm.href || known.service !== auth.service)) persist(base);
    return auth;
  }

  /** The challenge a 401 carries (or the configured one), or undefined when there is none to answer. */
  function challengeOf(response: Response, host: string): Challenge | undefined {
    const header = response.headers.get('www-authenticate')?.trim() || hintFor(host);
    if (header) return selectChallenge(parseChallenges(header));
    if (isBrowser) {
      throw new OciAuthError(
        'CHALLENGE_HIDDEN',
        `The registry ${host} answered 401 with no WWW-Authenticate this page can see. It must send ` +
          `"Access-Control-Expose-Headers: WWW-Authenticate" (docs/browser.md), or pass challenges: { "${host}": 'Bearer realm="…",service="…"' }.`,
      );
    }
    return undefined;
  }

  /**
   * What a request to a host whose auth is known carries; undefined when we have nothing to send. `retryOf`: what
   * the request carried when the host answered 401.
   */
  async function authorize(
    { realm, service, stored }: HostAuth,
    addressed: string,
    url: URL,
    scopes: string[],
    retryOf: Sent | undefined,
    signal: AbortSignal | null | undefined,
  ): Promise<Sent | undefined> {
    const host = url.host;
    const ctx = { realm: realm?.href, service, scopes };
    const known = latest(url, addressed);
    // What goes as it is (an access token, the credential itself to a Basic registry): a provider's answer is
    // reused for credentialTtlMs, and asked again once the host refused it.
    if (!realm || isAccessToken(known?.credential)) {
      const fresh = known && !retryOf?.direct && now() - known.at! < credentialTtlMs;
      const credential = fresh ? known.credential : (await resolve(url, addressed, ctx)).credential;
      if (isAccessToken(credential)) return { header: `Bearer ${credential.accessToken}`, direct: true };
      if (!realm) {
        // Basic registries (ECR, Nexus) take the credential itself, over https or to this machine only.
        if (!credential) return undefined;
        if (!maySendSecret(url, url, allowInsecure(host))) {
          throw new InsecureRealmError(
            `Refusing to send Basic credentials to ${host} over plain http. Use https, or allowInsecureRealm.`,
            host,
          );
        }
        const { username, password, refreshToken } = credential as Partial<PasswordCredential & RefreshTokenCredential>;
        return { header: basicAuthorization(username ?? '<token>', (password ?? refreshToken)!), direct: true };
      }
    }
    const need = { realm, service, scopes, rejected: retryOf?.token, signal, secretsAllowed: maySendSecret(realm, url, allowInsecure(host)) };
    try {
      // A cached token when we know whose tokens may serve (no provider call); else ask for the credential.
      let issued = known?.identity === undefined ? undefined : await tokens.cached({ ...need, identity: known.identity });
      if (!issued) {
        const { credential, identity: fresh } = await resolve(url, addressed, ctx);
        if (isAccessToken(credential)) return { header: `Bearer ${credential.accessToken}`, direct: true };
        // A realm on another origin that only the cache named gets no credential: the registry names its realm first
        // (and the credential already in hand goes there, or as Basic: the provider is not asked twice).
        if (stored && credential && !(issued = await tokens.cached({ ...need, identity: fresh }))) {
          registries.delete(url.origin);
          const named = await shareDiscovery(url.origin, () => probe(url, signal));
          if (!named?.realm) return named && authorize(named, addressed, url, scopes, retryOf, signal);
          realm = named.realm;
          service = named.service;
          Object.assign(need, { realm, service, secretsAllowed: maySendSecret(realm, url, allowInsecure(host)) });
        }
        issued ??= await tokens.get({ ...need, identity: fresh, credential });
      }
      if (onEvent) {
        emit({
          type: 'token',
          source: issued.source,
          registry: host,
          realm: displayUrl(realm),
          service,
          scopes: [...scopes],
          grant: issued.grant,
          expiresIn: Math.max(0, Math.round((issued.expiresAt - now()) / 1000)),
        });
      }
      return { header: `Bearer ${issued.token}`, key: issued.key, token: issued.token };
    } catch (error) {
      if (error instanceof OciAuthError) emit({ type: 'error', registry: host, error });
      throw error;
    }
  }

  /** Sends one hop. Redirects are ours to follow (each hop is authorized for its own host), except in browsers. */
  function send(out: Outgoing, authorization?: string): Promise<Response> {
    const headers = new Headers(out.init.headers);
    if (authorization) headers.set('authorization', authorization);
    const redirect = !isBrowser && (out.init.redirect ?? 'follow') === 'follow' ? 'manual' : out.init.redirect;
    return fetchImpl(out.url, defined({ ...out.init, method: out.method, headers, redirect }));
  }

  /** What a host's answer to a first request teaches about its auth (a challenge, remembered), if anything. */
  const learnFrom = (response: Response, url: URL): HostAuth | undefined => {
    const challenge = response.status === 401 ? challengeOf(response, url.host) : undefined;
    return challenge && remember(url, challenge);
  };

  /** One GET /v2/ to learn a host's auth before a body that cannot be sent twice. */
  async function probe(url: URL, signal: AbortSignal | null | undefined): Promise<HostAuth | undefined> {
    const v2 = url.pathname.indexOf('/v2/');
    const response = await fetchImpl(new URL(url.origin + (v2 < 0 ? '/v2/' : url.pathname.slice(0, v2 + 4))), defined({ method: 'GET', signal }));
    await discard(response);
    const auth = learnFrom(response, url);
    emit({ type: 'discovery', registry: url.host, scheme: auth ? (auth.realm ? 'bearer' : 'basic') : 'none' });
    return auth;
  }

  /** Run `learn` once per host at a time; concurrent callers wait for the leader's result. */
  async function shareDiscovery(origin: string, learn: () => Promise<HostAuth | undefined>): Promise<HostAuth | undefined> {
    const pending = discoveries.get(origin);
    if (pending) {
      await pending;
      return registries.get(origin);
    }
    const run = learn();
    const settled = run.then(
      () => true,
      () => false,
    );
    discoveries.set(origin, settled);
    try {
      return await run;
    } finally {
      if (discoveries.get(origin) === settled) discoveries.delete(origin);
    }
  }

  /** One request to its own host, with what we know of that host; a 401 is answered once, as that host's. */
  async function exchange(out: Outgoing, addressed: string): Promise<Response> {
    const { host, origin } = out.url;
    const signal = out.init.signal;
    // What the cache knows of a host, unless the caller said it (`challenges`): what is configured comes first.
    if (!registries.has(origin) && !hintFor(host)) await recall(out.url);
    const { inferred, needed } = scopesFor(host, out.url, out.method);

    let auth = registries.get(origin);
    const hint = !auth && hintFor(host);
    if (hint) {
      const challenge = selectChallenge(parseChallenges(hint));
      auth = challenge && remember(out.url, challenge);
    }
    // Another request is meeting this host for the first time: wait for what it learns.
    const pending = !auth && discoveries.get(origin);
    const answered = pending && (await abortable(pending, signal));
    if (pending) auth = registries.get(origin);
    let response: Response | undefined;
    let sent: Sent | undefined;
    // First contact: a request whose body can be sent twice is itself the probe; a stream waits for GET /v2/.
    // After a discovery that the host answered without a challenge, the waiters just go (an open registry).
    if (!auth && !(answered && out.replayable)) {
      auth = await shareDiscovery(origin, async () => {
        if (!out.replayable) return probe(out.url, signal);
        response = await send(out);
        return learnFrom(response, out.url);
      });
    }
    if (!response) {
      if (auth) sent = await authorize(auth, addressed, out.url, needed, undefined, signal);
      response = await send(out, sent?.header);
    }
    if (response.status !== 401) return response;
    // A browser follows redirects itself: a 401 from another origin is that host's to answer.
    // A browser followed a redirect itself: a 401 from another origin is not this host's to answer.
    if (response.redirected && new URL(response.url).origin !== origin) return response;

    const challenge = challengeOf(response, host);
    if (!challenge) return response;
    const learnt = remember(out.url, challenge);
    const { service, error } = challenge.params;
    const challengeScopes = mergeScopes(challenge.params.scope);
    if (learned.learn(host, out.url, out.method, inferred, challengeScopes)) {
      scopeMemo.clear();
      persist(out.url);
    }
    emit({
      type: 'challenge',
      registry: host,
      scheme: challenge.scheme,
      realm: learnt?.realm && displayUrl(learnt.realm),
      service,
      scopes: challengeScopes,
      error,
    });
    // A stream is gone once sent: the caller gets the 401 rather than a silently truncated retry.
    if (!learnt || !out.replayable) return response;
    if (sent?.key) {
      // insufficient_scope: the token is good for what it covers, the retry asks for more. Anything else: the
      // registry rejected the token itself, which is never sent again; the retry waits for a newer one.
      if (error === 'insufficient_scope') await tokens.evict(sent.key, sent.token!);
      else await tokens.reject(sent.key, sent.token!);
    }
    const retry = await authorize(learnt, addressed, out.url, mergeScopes(challengeScopes, needed), sent, signal);
    if (!retry) return response;
    await discard(response);
    emit({
      type: 'retry',
      registry: host,
      method: out.method,
      url: displayUrl(out.url),
      reason: error === 'insufficient_scope' || error === 'invalid_token' ? error : 'challenge',
    });
    return send(out, retry.header);
  }

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const out = outgoing(input, init);
    // The caller authenticated this request themselves: stay out of the way.
    if (new Headers(out.init.headers).has('authorization')) return fetchImpl(input, init);
    // Each hop of a redirect is a request to its own host: what the caller addressed decides where a static
    // credential may go.
    const addressed = out.url.origin;
    if (isBrowser || (out.init.redirect ?? 'follow') !== 'follow') return exchange(out, addressed);
    return follow(out, (hop) => exchange(hop, addressed));
  };
}

/** The object without its undefined fields: optional fields are absent, as the types document, not undefined. */
function defined<T extends object>(object: T): T {
  for (const name in object) if (object[name] === undefined) delete object[name];
  return object;
}
