// The scopes a request asks for: what its route implies, what the caller always wants, and what a registry
// demanded before. Some registries demand more actions than a route implies (django-oci wants `push` for every
// pull): the first challenge that says so is remembered per registry and method, so later repositories are asked
// for the right scope up front instead of paying a rejected token and a second 401 each.

import { mergeScopes, scopesForRequest } from './scope.ts';
import { touch } from './cache.ts';

export interface RequestScopes {
  /** What the route implies. */
  inferred: string[];
  /** What to ask for: inferred, widened by learned actions, with the configured extra scopes. */
  needed: string[];
}

export class ScopePlan {
  readonly #always: string[];
  /** Extra actions per `registry method`. */
  readonly #learned = new Map<string, Set<string>>();
  /** Scopes per request shape: parsing and merging them is most of the warm path's own cost. */
  readonly #memo = new Map<string, RequestScopes>();

  constructor(always: string[]) {
    this.#always = always;
  }

  /** The scopes of a request (memoised per method, host, path and query). */
  for(url: URL, method: string): RequestScopes {
    const key = `${method} ${url.host}${url.pathname}${url.search}`;
    let scopes = this.#memo.get(key);
    if (scopes === undefined) {
      const inferred = scopesForRequest(url, method);
      scopes = { inferred, needed: mergeScopes(this.#widen(url, method, inferred), this.#always) };
      touch(this.#memo, key, scopes, 512);
    }
    return scopes;
  }

  /** Remember actions a challenge asked on a repository beyond those the request implied; true when new. */
  learn(url: URL, method: string, inferred: string[], challenged: string[]): boolean {
    const key = `${url.host} ${method}`;
    let learnt = false;
    for (const text of challenged) {
      const asked = widenable(text, url);
      const implied = asked && inferred.map((t) => widenable(t, url)).find((s) => s?.name === asked.name);
      if (!implied || implied.actions.includes('*')) continue;
      const known = this.#learned.get(key) ?? new Set();
      const missing = asked.actions.filter((a) => !implied.actions.includes(a) && !known.has(a));
      if (missing.length === 0) continue;
      this.#learned.set(key, new Set([...known, ...missing]));
      // Requests planned before now asked too little.
      this.#memo.clear();
      learnt = true;
    }
    return learnt;
  }

  /** What was learnt about a registry, per method: plain JSON, for the token cache. */
  actionsOf(registry: string): Record<string, string[]> {
    // fromEntries: a method named __proto__ stays a property of its own.
    return Object.fromEntries(
      [...this.#learned].flatMap(([key, extra]) =>
        key.startsWith(`${registry} `) ? [[key.slice(registry.length + 1), [...extra]]] : [],
      ),
    );
  }

  /** Take what another process learnt (read from the token cache); anything that is not an action is ignored. */
  adopt(registry: string, actions: unknown): void {
    for (const [method, list] of Object.entries(actions ?? {})) {
      const key = `${registry} ${method}`;
      const valid = Array.isArray(list) ? list.filter((a) => typeof a === 'string' && /^[\w*-]+$/.test(a)) : [];
      if (valid.length > 0) this.#learned.set(key, new Set([...(this.#learned.get(key) ?? []), ...valid]));
    }
    this.#memo.clear();
  }

  /** The request's inferred scopes with what this registry demanded before for the same method. */
  #widen(url: URL, method: string, inferred: string[]): string[] {
    const extra = this.#learned.get(`${url.host} ${method}`);
    if (!extra) return inferred;
    // The same resource with the extra actions: mergeScopes joins them into one canonical scope.
    const resource = (text: string) => text.slice(0, text.lastIndexOf(':') + 1);
    return mergeScopes(
      inferred,
      inferred.flatMap((text) => (widenable(text, url) ? [...extra].map((action) => resource(text) + action) : [])),
    );
  }
}

/**
 * The repository a canonical scope (mergeScopes output) names, with its actions, unless it is a mount's source
 * repository (which keeps its plain pull). The name runs to the last `:`, so it may hold `host:port`.
 */
function widenable(text: string, url: URL): { name: string; actions: string[] } | undefined {
  const match = /^repository:(.+):([^:]*)$/.exec(text);
  return match && match[1] !== url.searchParams.get('from')
    ? { name: match[1]!, actions: match[2]!.split(',') }
    : undefined;
}
