// Some registries demand more actions than a route implies (django-oci wants `push` for every pull).
// The first challenge that says so is remembered per registry and method, so later repositories are
// asked for the right scope up front instead of paying a rejected token and a second 401 each.

import { mergeScopes } from './scope.ts';

export class LearnedActions {
  /** Extra actions per `registry method`. */
  readonly #extra = new Map<string, Set<string>>();

  /** The request's inferred scopes with what this registry demanded before for the same method. */
  widen(registry: string, url: URL, method: string, inferred: string[]): string[] {
    const extra = this.#extra.get(`${registry} ${method}`);
    if (!extra) return inferred;
    // The same resource with the extra actions: mergeScopes joins them into one canonical scope.
    const resource = (text: string) => text.slice(0, text.lastIndexOf(':') + 1);
    return mergeScopes(inferred, inferred.flatMap((text) => (widenable(text, url) ? [...extra].map((action) => resource(text) + action) : [])));
  }

  /** Remember actions a challenge asked on a repository beyond those the request implied; true when new. */
  learn(registry: string, url: URL, method: string, inferred: string[], challenged: string[]): boolean {
    const key = `${registry} ${method}`;
    let changed = false;
    for (const text of challenged) {
      const asked = widenable(text, url);
      const implied = asked && inferred.map((t) => widenable(t, url)).find((s) => s?.name === asked.name);
      if (!implied || implied.actions.includes('*')) continue;
      const missing = asked.actions.filter((a) => !implied.actions.includes(a));
      if (missing.length === 0) continue;
      const known = this.#extra.get(key) ?? new Set();
      changed ||= missing.some((action) => !known.has(action));
      this.#extra.set(key, new Set([...known, ...missing]));
    }
    return changed;
  }

  /** What was learnt about a registry, per method: plain JSON, for the token cache. */
  of(registry: string): Record<string, string[]> {
    // fromEntries: a method named __proto__ stays a property of its own.
    return Object.fromEntries([...this.#extra].flatMap(([key, extra]) => (key.startsWith(`${registry} `) ? [[key.slice(registry.length + 1), [...extra]]] : [])));
  }

  /** Take what another process learnt (read from the token cache); anything that is not an action is ignored. */
  add(registry: string, actions: unknown): void {
    for (const [method, list] of Object.entries(actions ?? {})) {
      const key = `${registry} ${method}`;
      if (Array.isArray(list)) this.#extra.set(key, new Set([...(this.#extra.get(key) ?? []), ...list.filter((a) => typeof a === 'string' && /^[\w*-]+$/.test(a))]));
    }
  }
}

/**
 * The repository a canonical scope (mergeScopes output) names, with its actions, unless it is a mount's source
 * repository (which keeps its plain pull). The name runs to the last `:`, so it may hold `host:port`.
 */
function widenable(text: string, url: URL): { name: string; actions: string[] } | undefined {
  const match = /^repository:(.+):([^:]*)$/.exec(text);
  return match && match[1] !== url.searchParams.get('from') ? { name: match[1]!, actions: match[2]!.split(',') } : undefined;
}
