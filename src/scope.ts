// Distribution scopes: `type[(class)]:name:actions`. Policy and examples: docs/scopes.md.

import { ScopeParseError } from './errors.ts';

export interface Scope {
  type: string;
  /** Legacy resource class, as in `repository(plugin):name:pull`. */
  class?: string;
  name: string;
  /** Sorted, deduplicated; `['*']` when `*` is among them; may be empty. */
  actions: string[];
}

// Groups: type, class, name, actions. The type ends at the first `:` and the actions start after the last, so
// names may hold `host:port`. No part holds whitespace or a control character (whitespace separates scopes in a
// list); type and class hold none of `:(),`.
const SCOPE = /^([^\0- \x7f:(),]+)(?:\(([^\0- \x7f:(),]+)\))?:([^\0- \x7f]+):([^\0- \x7f:]*)$/;

function canonicalActions(actions: Iterable<string>): string[] {
  const set = new Set(actions);
  set.delete('');
  return set.has('*') ? ['*'] : [...set].sort();
}

/** Parses one scope; throws ScopeParseError when the text is not one. */
export function parseScope(s: string): Scope {
  const match = typeof s === 'string' && SCOPE.exec(s);
  if (!match)
    throw new ScopeParseError(
      'Not a scope: expected type[(class)]:name:actions, with no whitespace, and no ":()," in the type',
    );
  const [, type, cls, name, actions] = match as unknown as [string, string, string | undefined, string, string];
  const scope: Scope = { type, name, actions: canonicalActions(actions.split(',')) };
  if (cls !== undefined) scope.class = cls;
  return scope;
}

/** Canonical text of a scope: actions deduplicated and sorted, `*` alone. Throws ScopeParseError if it cannot be one. */
export function formatScope(s: Scope): string {
  const actions = canonicalActions(s.actions);
  const text = `${s.type}${s.class === undefined ? '' : `(${s.class})`}:${s.name}:${actions.join(',')}`;
  // What we write must read back as the same scope: this rejects parts holding `:`, `(` or `,` in the wrong place.
  const back = parseScope(text);
  if (
    JSON.stringify([back.type, back.class, back.name, back.actions]) !==
    JSON.stringify([s.type, s.class, s.name, actions])
  ) {
    throw new ScopeParseError('A scope part contains a character that changes its meaning (":" "," "(" ")")');
  }
  return text;
}

/**
 * Scopes by resource: the text up to the actions (`type(class):name:`) → the union of their actions, unsorted.
 * A string that is not a scope is its own key, with no action set; it cannot clash with a resource, as a
 * resource's key would read as a scope.
 */
function collect(inputs: ReadonlyArray<string | readonly string[] | undefined>): Map<string, Set<string> | undefined> {
  const resources = new Map<string, Set<string> | undefined>();
  for (const text of inputs.flat()) {
    if (typeof text !== 'string') continue;
    // Each string may hold several space-separated scopes (a challenge's or a token's scope field).
    // Stryker disable next-line Regex: splitting on single whitespace only adds empty parts, which are skipped below.
    for (const part of text.split(/[ \t\r\n]+/)) {
      const match = SCOPE.exec(part);
      if (!match) {
        if (part) resources.set(part, undefined);
        continue;
      }
      const actions = match[4]!;
      const resource = part.slice(0, part.length - actions.length);
      const set = resources.get(resource) ?? new Set();
      for (const action of actions.split(',')) set.add(action);
      resources.set(resource, set);
    }
  }
  return resources;
}

/**
 * Merges scope lists into one canonical, sorted array: one entry per resource with the union of its
 * actions (`*` absorbs the rest). Strings that are not scopes are kept verbatim (deduplicated), never thrown.
 */
export function mergeScopes(...inputs: Array<string | readonly string[] | undefined>): string[] {
  const out: string[] = [];
  for (const [resource, actions] of collect(inputs)) {
    out.push(actions ? resource + canonicalActions(actions).join(',') : resource);
  }
  return out.sort();
}

/** Canonical text of a scope set, for cache keys: equal sets give equal keys. */
export function scopeKey(scopes: readonly string[]): string {
  return mergeScopes(scopes).join(' ');
}

/**
 * True when `granted` allows every action of every scope in `needed`. `*` granted covers any action;
 * `*` needed is covered only by `*`. A needed string that is not a scope is covered only by the same string.
 */
export function scopesCover(granted: readonly string[], needed: readonly string[]): boolean {
  const have = collect([granted]);
  for (const [resource, wanted] of collect([needed])) {
    const got = have.get(resource);
    if (!wanted) {
      if (!have.has(resource)) return false;
    } else if (!got?.has('*')) {
      // An empty action asks for nothing.
      for (const action of wanted) if (action && !got?.has(action)) return false;
    }
  }
  return true;
}

// What distribution checks per method, on every repository route. Keys are upper case, so no method name
// reaches Object.prototype's.
const ROUTE_ACTIONS: Record<string, string | undefined> = {
  GET: 'pull',
  HEAD: 'pull',
  POST: 'pull,push',
  PUT: 'pull,push',
  PATCH: 'pull,push',
  DELETE: 'delete',
};

// A repository route is recognised by its fixed tail, so name components may themselves be `manifests`,
// `blobs`… Groups: the path before the tail, and `blobs/uploads` on the upload routes.
const ROUTE = /^(.*?)\/(?:(blobs\/uploads)(?:\/[^/]*)?|tags\/list|(?:manifests|blobs|referrers)\/[^/]+)$/;

/**
 * The scopes a request needs, inferred from the OCI distribution routes (as distribution itself does, the
 * method decides the actions). Canonical (mergeScopes) form; `[]` when the URL is not a repository or
 * catalog route, or when the name is doubtful.
 */
export function scopesForRequest(url: string | URL, method: string): string[] {
  const m = method.toUpperCase();
  // Any failure (a URL that does not parse, a name that does not decode) means no scope: better than a guess.
  try {
    // A base lets a bare path through; an absolute URL ignores it.
    const u = typeof url === 'string' ? new URL(url, 'http://registry.invalid') : url;
    // Stryker disable next-line Regex: a URL's pathname always starts with `/`, so `^` never matches where `\/` would not.
    if (/(^|\/)v2\/_catalog$/.test(u.pathname)) return ['registry:catalog:*'];
    const route = ROUTE.exec(u.pathname);
    const actions = ROUTE_ACTIONS[m];
    if (!route || !actions) return [];
    // The first `v2` segment starts the name: a proxy prefix (`/proxy/v2/…`) works, and so does a repository
    // named `v2` (`/v2/v2/manifests/x`). A later `v2` inside a doubtful name must not rescue it.
    const head = route[1]!.split('/');
    const start = head.indexOf('v2') + 1;
    // Equivalent mutants: with no `v2` (start 0) the head begins with the empty component before the pathname's `/`,
    // which repositoryName refuses anyway.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (see above)
    const name = start > 0 && repositoryName(head.slice(start).map((c) => decodeURIComponent(c)));
    if (!name) return [];
    const scopes = [`repository:${name}:${actions}`];
    // Cross-repository mount: POST …/blobs/uploads/?mount=<digest>&from=<other> also reads <other>.
    const from = u.searchParams.getAll('from'); // already decoded
    const source =
      route[2] &&
      m === 'POST' &&
      u.searchParams.has('mount') &&
      from.length === 1 &&
      repositoryName(from[0]!.split('/'));
    if (source) scopes.push(`repository:${source}:pull`);
    return mergeScopes(scopes);
  } catch {
    return [];
  }
}

/**
 * Joins components into a repository name; falsy when there are none, or one is empty or holds `/`, whitespace
 * or a control character: no scope is better than another repository's.
 */
function repositoryName(components: string[]): string | false {
  return components.every((c) => c && !/[\0- /\x7f]/.test(c)) && components.join('/');
}
