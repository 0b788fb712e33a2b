// Some registries demand more actions than a route implies (django-oci wants `push` for every pull).
// The first challenge that says so is remembered per registry and method, so later repositories are
// asked for the right scope up front instead of paying a rejected token and a second 401 each.

import { formatScope, parseScope } from './scope.ts';

export class LearnedActions {
  readonly #extra = new Map<string, string[]>();

  /** The request's inferred scopes with what this registry demanded before for the same method. */
  widen(registry: string, url: URL, method: string, inferred: string[]): string[] {
    const extra = this.#extra.get(`${registry} ${method}`);
    if (!extra) return inferred;
    const source = url.searchParams.get('from'); // a mount's source repository keeps its plain pull
    return inferred.map((text) => {
      const scope = tryParse(text);
      if (!scope || scope.type !== 'repository' || scope.name === source) return text;
      return formatScope({ ...scope, actions: [...scope.actions, ...extra] });
    });
  }

  /** Remember actions a challenge asked on a repository beyond those the request implied; true when new. */
  learn(registry: string, url: URL, method: string, inferred: string[], challenged: string[]): boolean {
    let changed = false;
    const source = url.searchParams.get('from');
    for (const text of challenged) {
      const asked = tryParse(text);
      if (!asked || asked.type !== 'repository' || asked.name === source) continue;
      const implied = inferred.map(tryParse).find((s) => s?.type === 'repository' && s.name === asked.name);
      if (!implied || implied.actions.includes('*')) continue;
      const missing = asked.actions.filter((a) => !implied.actions.includes(a));
      if (missing.length === 0) continue;
      const key = `${registry} ${method}`;
      this.#extra.set(key, [...new Set([...(this.#extra.get(key) ?? []), ...missing])]);
      changed = true;
    }
    return changed;
  }
}

function tryParse(text: string | undefined) {
  if (text === undefined) return undefined;
  try {
    return parseScope(text);
  } catch {
    return undefined;
  }
}
