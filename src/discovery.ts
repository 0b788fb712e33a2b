// What each registry asked for (a token realm, or Basic), learnt from its challenges, configured, or read from the
// token cache (where it is kept for other processes), and the one first contact that concurrent requests to a
// registry not met yet share.

import { parseChallenges, selectChallenge } from './challenge.ts';
import { displayUrl, InsecureRealmError, OciAuthError } from './errors.ts';
import { abortable, defined, discard, isBrowser } from './http.ts';
import type { FetchLike } from './http.ts';
import type { Outgoing } from './request.ts';
import type { ScopePlan } from './scope-plan.ts';
import type { Store } from './store.ts';
import type { AuthEvent, Challenge } from './types.ts';

/** What a registry asked for the first time we met it: a token realm, or Basic when `realm` is absent. */
export interface RegistryAuth {
  realm?: URL;
  service?: string;
  /** Read from the cache, with a realm on another origin: it gets no credential until the registry names it. */
  stored?: boolean;
}

/** What a Discovery works with. */
interface Parts {
  /** The `challenges` option: a registry named there is taken as configured. */
  hints: Record<string, string>;
  fetch: FetchLike;
  emit: (event: AuthEvent) => void;
  store: Store;
  /** Where learnt actions live: kept in the cache with the registry's auth. */
  scopes: ScopePlan;
}

/** How a first contact went: what the registry asked for, and its answer when the request itself made contact. */
interface FirstContact {
  auth?: RegistryAuth;
  response?: Response;
}

export class Discovery {
  /** Per registry origin. */
  readonly #known = new Map<string, RegistryAuth>();
  /** Registries whose first request is in flight: others wait for what it learns (true: the registry answered). */
  readonly #meeting = new Map<string, Promise<boolean>>();
  /** Registries whose record in the cache is read (once per process, shared by concurrent first requests). */
  readonly #recalled = new Map<string, Promise<RegistryAuth | undefined>>();
  readonly #parts: Parts;

  constructor(parts: Parts) {
    this.#parts = parts;
  }

  /**
   * What a registry asks for: known, configured, in the cache, or learnt by a first contact (shared with concurrent
   * requests). A request whose body can be sent twice is itself the first contact (`send`); a stream waits for a
   * GET /v2/ probe.
   */
  async meet(out: Outgoing, send: (out: Outgoing) => Promise<Response>): Promise<FirstContact> {
    const { url, init } = out;
    const auth =
      this.#known.get(url.origin) ?? (this.#hint(url.host) ? this.#configured(url) : await this.#recall(url));
    if (auth) return { auth };
    const meeting = this.#meeting.get(url.origin);
    if (meeting) {
      // Another request is meeting the registry: wait for what it learns. When the registry answered without a
      // challenge (an open registry), replayable requests just go; a stream still needs its probe.
      const answered = await abortable(meeting, init.signal);
      const learnt = this.#known.get(url.origin);
      if (learnt || (answered && out.replayable)) return { auth: learnt };
    }
    let response: Response | undefined;
    const learnt = await this.#share(url.origin, async () => {
      if (!out.replayable) return this.#probe(url, init.signal);
      response = await send(out);
      return this.#learnFrom(response, url);
    });
    return { auth: learnt, response };
  }

  /** The challenge a 401 carries (or the configured one), or undefined when there is none to answer. */
  challengeOf(response: Response, host: string): Challenge | undefined {
    const header = response.headers.get('www-authenticate')?.trim() || this.#hint(host);
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
   * Learn a registry's auth from a challenge (remembered for later requests, and in the cache unless it came from
   * there); returns it.
   */
  remember(url: URL, { scheme, params }: Challenge, stored?: boolean): RegistryAuth | undefined {
    const known = this.#known.get(url.origin);
    if (scheme === 'basic') {
      // Harbor answers a token with too little scope by a Basic challenge: answer it, but a registry
      // known to use tokens stays a token registry.
      if (!known?.realm) this.#known.set(url.origin, {});
      if (!known && !stored) this.persist(url);
      return {};
    }
    if (scheme !== 'bearer' || !params.realm) return undefined;
    let realm: URL;
    try {
      realm = new URL(params.realm, url);
    } catch {
      throw new OciAuthError('CHALLENGE_PARSE', `The registry ${url.host} named a realm that is not a URL.`);
    }
    if (!/^https?:$/.test(realm.protocol)) {
      throw new InsecureRealmError(`The registry ${url.host} named a realm that is not http(s).`, displayUrl(realm));
    }
    const auth = { realm, service: params.service, stored: stored && realm.origin !== url.origin };
    this.#known.set(url.origin, auth);
    if (!stored && (known?.realm?.href !== realm.href || known.service !== auth.service)) this.persist(url);
    return auth;
  }

  /** Keep what is known of a registry (its auth and learnt actions) in the cache, for other processes. */
  persist({ origin, host }: URL): void {
    const known = this.#known.get(origin);
    if (!known) return;
    const { realm, service } = known;
    const actions = this.#parts.scopes.actionsOf(host);
    void this.#parts.store.learnt(origin, { scheme: realm ? 'bearer' : 'basic', realm: realm?.href, service, actions });
  }

  /**
   * A realm on another origin that only the cache named gets no credential: the registry names its realm first
   * (GET /v2/, shared with concurrent callers).
   */
  verify(url: URL, signal: AbortSignal | null | undefined): Promise<RegistryAuth | undefined> {
    this.#known.delete(url.origin);
    return this.#share(url.origin, () => this.#probe(url, signal));
  }

  /** The configured challenge for a registry (own keys only: a host may be called `constructor`). */
  #hint(host: string): string | undefined {
    const { hints } = this.#parts;
    return Object.hasOwn(hints, host) ? hints[host] : undefined;
  }

  /** What the cache says of a registry, taken as its challenge; a record that is not one is no record. */
  #recall(url: URL): Promise<RegistryAuth | undefined> {
    let reading = this.#recalled.get(url.origin);
    if (!reading) {
      reading = this.#parts.store
        .registry(url.origin)
        .then((record) => {
          if (this.#known.has(url.origin)) return this.#known.get(url.origin);
          this.#parts.scopes.adopt(url.host, record?.actions);
          return this.remember(
            url,
            { scheme: String(record?.scheme), params: { ...record } as Challenge['params'] },
            true,
          );
        })
        // A realm that is not an http(s) URL is no realm.
        .catch(() => undefined);
      this.#recalled.set(url.origin, reading);
    }
    return reading;
  }

  #configured(url: URL): RegistryAuth | undefined {
    const hint = this.#hint(url.host);
    const challenge = hint && selectChallenge(parseChallenges(hint));
    return challenge ? this.remember(url, challenge) : undefined;
  }

  /** What a registry's answer to a first request teaches about its auth (a challenge, remembered), if anything. */
  #learnFrom(response: Response, url: URL): RegistryAuth | undefined {
    const challenge = response.status === 401 ? this.challengeOf(response, url.host) : undefined;
    return challenge && this.remember(url, challenge);
  }

  /** One GET /v2/ to learn a registry's auth before a body that cannot be sent twice. */
  async #probe(url: URL, signal: AbortSignal | null | undefined): Promise<RegistryAuth | undefined> {
    const v2 = url.pathname.indexOf('/v2/');
    const base = url.origin + (v2 < 0 ? '/v2/' : url.pathname.slice(0, v2 + 4));
    const response = await this.#parts.fetch(new URL(base), defined({ method: 'GET', signal }));
    await discard(response);
    const auth = this.#learnFrom(response, url);
    this.#parts.emit({
      type: 'discovery',
      registry: url.host,
      scheme: auth ? (auth.realm ? 'bearer' : 'basic') : 'none',
    });
    return auth;
  }

  /** Run `learn` once per registry at a time; concurrent callers wait for the leader's result. */
  async #share(origin: string, learn: () => Promise<RegistryAuth | undefined>): Promise<RegistryAuth | undefined> {
    const pending = this.#meeting.get(origin);
    if (pending) {
      await pending;
      return this.#known.get(origin);
    }
    const run = learn();
    const settled = run.then(
      () => true,
      () => false,
    );
    this.#meeting.set(origin, settled);
    try {
      return await run;
    } finally {
      if (this.#meeting.get(origin) === settled) this.#meeting.delete(origin);
    }
  }
}
