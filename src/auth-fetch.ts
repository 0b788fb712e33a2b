// createAuthFetch: a fetch that answers each registry's challenge, caches tokens and retries once. `authFetch`
// normalises a call and follows its redirects; each hop is one `exchange` with its own registry, whose parts are
// the registry's auth (discovery.ts), the request's scopes (scope-plan.ts), the registry's credential
// (credentials.ts) and tokens (token-manager.ts).

import { CredentialSource, checkCredentialsOption } from './credentials.ts';
import type { Answer, CredentialsOption } from './credentials.ts';
import { MemoryTokenCache } from './cache.ts';
import { Discovery } from './discovery.ts';
import type { RegistryAuth } from './discovery.ts';
import { basicAuthorization } from './encoding.ts';
import { displayUrl, OciAuthError, plainHttpRefused } from './errors.ts';
import { defined, discard, follow, isBrowser, maySendSecret } from './http.ts';
import type { FetchLike } from './http.ts';
import { outgoing } from './request.ts';
import type { Outgoing } from './request.ts';
import { mergeScopes } from './scope.ts';
import { ScopePlan } from './scope-plan.ts';
import { createStore } from './store.ts';
import type { RequestScopes } from './scope-plan.ts';
import { TokenManager } from './token-manager.ts';
import type {
  AuthEvent,
  AuthFetch,
  Credential,
  EventListener,
  PasswordCredential,
  RefreshTokenCredential,
  TokenCache,
} from './types.ts';

export interface AuthFetchOptions {
  /** A credential, a provider called per registry when a token must be fetched, or nothing for anonymous access. */
  credentials?: CredentialsOption;
  /** How long a provider's answer is reused where it is sent as it is (a Basic registry, an access token). Default 300 000 ms. */
  credentialTtlMs?: number;
  /** The fetch underneath. Default: `globalThis.fetch` (looked up at call time). */
  fetch?: FetchLike;
  /**
   * Where tokens, and what was learnt about registries, are kept. Default: a `MemoryTokenCache` (LRU, 1000 entries)
   * per auth fetch.
   */
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

/** What a request carried. */
interface Sent {
  header: string;
  /** The bearer token and its cache key, to reject it if the registry does. */
  token?: string;
  key?: string;
  /** A credential that went as it is (Basic, an access token): a 401 means asking for it again. */
  direct?: boolean;
}

const isAccessToken = (c: Credential | undefined): c is { accessToken: string } => !!c && 'accessToken' in c;

export function createAuthFetch(options: AuthFetchOptions = {}): AuthFetch {
  const client = new AuthClient(options);
  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const out = outgoing(input, init);
    // The caller authenticated this request themselves: stay out of the way.
    if (new Headers(out.init.headers).has('authorization')) return client.fetch(input, init);
    // Each hop of a redirect is a request to its own registry: what the caller addressed decides where a static
    // credential may go.
    const addressed = out.url.origin;
    if (isBrowser || (out.init.redirect ?? 'follow') !== 'follow') return client.exchange(out, addressed);
    return follow(out, (hop) => client.exchange(hop, addressed));
  };
}

/** The options that have a default, with it (docs/options.md). */
const DEFAULTS = {
  clientId: 'oci-auth-fetch',
  credentialTtlMs: 300_000,
  expiryMarginMs: 10_000,
  tokenTimeoutMs: 30_000,
  tokenRetries: 2,
  maxTokenResponseBytes: 2 ** 20,
  cacheTimeoutMs: 1000,
  passwordGrant: false,
  now: Date.now,
  /** Looked up at call time, so that a fetch patched later is used. */
  fetch: ((input, init) => globalThis.fetch(input, init)) as FetchLike,
};

type Settings = Omit<AuthFetchOptions, keyof typeof DEFAULTS> & typeof DEFAULTS;

/** The parts of one auth fetch, and the steps of one hop through them. */
class AuthClient {
  /** The fetch underneath. */
  readonly fetch: FetchLike;
  readonly #options: Settings;
  readonly #discovery: Discovery;
  readonly #scopes: ScopePlan;
  readonly #credentials: CredentialSource;
  readonly #tokens: TokenManager;

  constructor(options: AuthFetchOptions) {
    // An option set to undefined takes its default too.
    const settings = { ...DEFAULTS, ...defined({ ...options }) } as Settings;
    this.#options = settings;
    const { fetch, now } = settings;
    const emit = (event: AuthEvent) => this.#emit(event);
    // Equivalent mutant: which clock ends the default cache's entries is never seen. The cache is this auth fetch's
    // own; a token's entry lasts until it expires, and the token manager stops using it (by `now`) no later; a
    // registry record is read once, at first contact, before this auth fetch can have written one.
    // Stryker disable next-line ObjectLiteral: equivalent (see above)
    const store = createStore(settings.cache ?? new MemoryTokenCache({ now }), emit, settings.cacheTimeoutMs);
    const scopes = new ScopePlan(mergeScopes(settings.scopes));
    this.fetch = fetch;
    this.#scopes = scopes;
    this.#discovery = new Discovery({ hints: settings.challenges ?? {}, fetch, emit, store, scopes });
    this.#credentials = new CredentialSource(checkCredentialsOption(settings.credentials), now);
    this.#tokens = new TokenManager({ ...settings, cache: store });
  }

  /** One request to its own registry, with what we know of it; a 401 is answered once, as that registry's. */
  async exchange(out: Outgoing, addressed: string): Promise<Response> {
    const first = await this.#discovery.meet(out, (o) => this.#send(o));
    // After meeting the registry: what it taught other processes (learnt actions) counts.
    const scopes = this.#scopes.for(out.url, out.method);
    let response = first.response;
    let sent: Sent | undefined;
    if (!response) {
      if (first.auth) sent = await this.#authorize(first.auth, addressed, out, scopes.needed);
      response = await this.#send(out, sent?.header);
    }
    // A browser follows redirects itself: a 401 from another origin is not this registry's to answer.
    if (response.status !== 401 || (response.redirected && new URL(response.url).origin !== out.url.origin))
      return response;
    return this.#answer(out, addressed, response, sent, scopes);
  }

  /** A 401: learn its challenge, drop the token it refused, and send once more with what it asks for. */
  async #answer(
    out: Outgoing,
    addressed: string,
    response: Response,
    sent: Sent | undefined,
    scopes: RequestScopes,
  ): Promise<Response> {
    const { url, method } = out;
    const challenge = this.#discovery.challengeOf(response, url.host);
    if (!challenge) return response;
    const learnt = this.#discovery.remember(url, challenge);
    const { service, error } = challenge.params;
    const challenged = mergeScopes(challenge.params.scope);
    if (this.#scopes.learn(url, method, scopes.inferred, challenged)) this.#discovery.persist(url);
    const realm = learnt?.realm && displayUrl(learnt.realm);
    this.#emit({
      type: 'challenge',
      registry: url.host,
      scheme: challenge.scheme,
      realm,
      service,
      scopes: challenged,
      error,
    });
    // A stream is gone once sent: the caller gets the 401 rather than a silently truncated retry.
    if (!learnt || !out.replayable) return response;
    if (sent?.key) {
      // insufficient_scope: the token is good for what it covers, the retry asks for more. Anything else: the
      // registry rejected the token itself, which is never sent again; the retry waits for a newer one.
      if (error === 'insufficient_scope') await this.#tokens.evict(sent.key, sent.token!);
      else await this.#tokens.reject(sent.key, sent.token!);
    }
    const retry = await this.#authorize(learnt, addressed, out, mergeScopes(challenged, scopes.needed), sent);
    if (!retry) return response;
    await discard(response);
    const reason = error === 'insufficient_scope' || error === 'invalid_token' ? error : 'challenge';
    this.#emit({ type: 'retry', registry: url.host, method, url: displayUrl(url), reason });
    return this.#send(out, retry.header);
  }

  /**
   * What a request to a registry whose auth is known carries; undefined when we have nothing to send. `retryOf`:
   * what the request carried when the registry answered 401.
   */
  async #authorize(
    auth: RegistryAuth,
    addressed: string,
    out: Outgoing,
    scopes: string[],
    retryOf?: Sent,
  ): Promise<Sent | undefined> {
    const known = this.#credentials.latest(out.url, addressed);
    // What goes as it is (an access token, the credential itself to a Basic registry): a provider's answer is
    // reused for credentialTtlMs, and asked again once the registry refused it.
    if (!auth.realm || isAccessToken(known?.credential)) {
      const fresh = known && !retryOf?.direct && this.#options.now() - known.at! < this.#options.credentialTtlMs;
      const credential = fresh ? known.credential : (await this.#resolve(auth, addressed, out.url, scopes)).credential;
      if (isAccessToken(credential) || !auth.realm) return this.#direct(out.url, credential);
    }
    return this.#bearer(auth as Required<RegistryAuth>, addressed, out, scopes, known, retryOf);
  }

  /** A credential sent as it is: an access token, or Basic (ECR, Nexus) over https or to this machine only. */
  #direct(url: URL, credential: Credential | undefined): Sent | undefined {
    if (isAccessToken(credential)) return { header: `Bearer ${credential.accessToken}`, direct: true };
    if (!credential) return undefined;
    if (!maySendSecret(url, url, this.#insecure(url.host))) throw plainHttpRefused('Basic credentials', url.host);
    const { username, password, refreshToken } = credential as Partial<PasswordCredential & RefreshTokenCredential>;
    return { header: basicAuthorization(username ?? '<token>', (password ?? refreshToken)!), direct: true };
  }

  /** A token for the scopes: cached when we know whose tokens may serve (no provider call), else fetched. */
  async #bearer(
    auth: Required<RegistryAuth>,
    addressed: string,
    { url, init }: Outgoing,
    scopes: string[],
    known: Partial<Answer> | undefined,
    retryOf: Sent | undefined,
  ): Promise<Sent | undefined> {
    const needOf = ({ realm, service }: RegistryAuth) => {
      const secretsAllowed = maySendSecret(realm!, url, this.#insecure(url.host));
      return { realm: realm!, service, scopes, rejected: retryOf?.token, signal: init.signal, secretsAllowed };
    };
    let need = needOf(auth);
    try {
      let issued =
        known?.identity === undefined ? undefined : await this.#tokens.cached({ ...need, identity: known.identity });
      if (!issued) {
        const { credential, identity } = await this.#resolve(auth, addressed, url, scopes);
        if (isAccessToken(credential)) return this.#direct(url, credential);
        // A realm on another origin that only the cache named gets no credential before the registry names it;
        // then the credential in hand goes there (or as Basic): the provider is not asked twice.
        if (auth.stored && credential) issued = await this.#tokens.cached({ ...need, identity });
        if (auth.stored && credential && !issued) {
          const named = await this.#discovery.verify(url, init.signal);
          if (!named?.realm) return named && this.#direct(url, credential);
          need = needOf(named);
        }
        issued ??= await this.#tokens.get({ ...need, identity, credential });
      }
      // Equivalent mutant: building the event without a listener changes nothing (#emit does nothing then); the test
      // is there to spare that work. Its other mutant (never building it) is killed by the event tests.
      // Stryker disable next-line ConditionalExpression: equivalent (see above)
      if (this.#options.onEvent) {
        const expiresIn = Math.max(0, Math.round((issued.expiresAt - this.#options.now()) / 1000));
        const { source, grant } = issued;
        const { realm, service } = need;
        this.#emit({
          type: 'token',
          source,
          registry: url.host,
          realm: displayUrl(realm),
          service,
          scopes: [...scopes],
          grant,
          expiresIn,
        });
      }
      return { header: `Bearer ${issued.token}`, key: issued.key, token: issued.token };
    } catch (error) {
      if (error instanceof OciAuthError) this.#emit({ type: 'error', registry: url.host, error });
      throw error;
    }
  }

  #resolve({ realm, service }: RegistryAuth, addressed: string, url: URL, scopes: string[]) {
    return this.#credentials.resolve(url, addressed, { realm: realm?.href, service, scopes });
  }

  /** Sends one hop. Redirects are ours to follow (each hop is authorized for its own registry), except in browsers. */
  #send(out: Outgoing, authorization?: string): Promise<Response> {
    const headers = new Headers(out.init.headers);
    if (authorization) headers.set('authorization', authorization);
    const redirect = !isBrowser && (out.init.redirect ?? 'follow') === 'follow' ? 'manual' : out.init.redirect;
    return this.fetch(out.url, defined({ ...out.init, method: out.method, headers, redirect }));
  }

  #insecure(host: string): boolean {
    const insecure = this.#options.allowInsecureRealm;
    return insecure === true || (Array.isArray(insecure) && insecure.includes(host));
  }

  /** Reports an event (without its undefined fields); a throwing listener must not break requests. */
  #emit(event: AuthEvent): void {
    try {
      this.#options.onEvent?.(defined(event));
    } catch {
      // ignored
    }
  }
}
