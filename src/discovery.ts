// What each registry asked for (a token realm, or Basic), learnt from its challenges or configured, and the one
// first contact that concurrent requests to a registry not met yet share.

import { parseChallenges, selectChallenge } from './challenge.ts';
import { displayUrl, InsecureRealmError, OciAuthError } from './errors.ts';
import { abortable, defined, discard, isBrowser } from './http.ts';
import type { FetchLike } from './http.ts';
import type { Outgoing } from './request.ts';
import type { AuthEvent, Challenge } from './types.ts';

/** What a registry asked for the first time we met it: a token realm, or Basic when `realm` is absent. */
export interface RegistryAuth {
  realm?: URL;
  service?: string;
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
  readonly #hints: Record<string, string>;
  readonly #emit: (event: AuthEvent) => void;

  constructor(hints: Record<string, string>, emit: (event: AuthEvent) => void) {
    this.#hints = hints;
    this.#emit = emit;
  }

  /**
   * What a registry asks for: known, configured, or learnt by a first contact (shared with concurrent requests). A
   * request whose body can be sent twice is itself the first contact (`send`); a stream waits for a GET /v2/ probe.
   */
  async meet(out: Outgoing, send: (out: Outgoing) => Promise<Response>, fetchImpl: FetchLike): Promise<FirstContact> {
    const { url, init } = out;
    const auth = this.#known.get(url.origin) ?? this.#configured(url);
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
      if (!out.replayable) return this.#probe(url, init.signal, fetchImpl);
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

  /** Learn a registry's auth from a challenge (remembered for later requests); returns it. */
  remember(url: URL, { scheme, params }: Challenge): RegistryAuth | undefined {
    if (scheme === 'basic') {
      // Harbor answers a token with too little scope by a Basic challenge: answer it, but a registry
      // known to use tokens stays a token registry.
      if (!this.#known.get(url.origin)?.realm) this.#known.set(url.origin, {});
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
    const auth = { realm, service: params.service };
    this.#known.set(url.origin, auth);
    return auth;
  }

  /** The configured challenge for a registry (own keys only: a host may be called `constructor`). */
  #hint(host: string): string | undefined {
    return Object.hasOwn(this.#hints, host) ? this.#hints[host] : undefined;
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
  async #probe(url: URL, signal: AbortSignal | null | undefined, fetchImpl: FetchLike): Promise<RegistryAuth | undefined> {
    const v2 = url.pathname.indexOf('/v2/');
    const base = url.origin + (v2 < 0 ? '/v2/' : url.pathname.slice(0, v2 + 4));
    const response = await fetchImpl(new URL(base), defined({ method: 'GET', signal }));
    await discard(response);
    const auth = this.#learnFrom(response, url);
    this.#emit({ type: 'discovery', registry: url.host, scheme: auth ? (auth.realm ? 'bearer' : 'basic') : 'none' });
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
