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

// Whitespace separates scopes in a list; control characters never belong in one.
function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

function isPlainWord(s: string): boolean {
  if (s.length === 0 || hasSpaceOrControl(s)) return false;
  for (const ch of ':(),') if (s.includes(ch)) return false;
  return true;
}

function canonicalActions(actions: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const a of actions) if (a !== '') set.add(a);
  if (set.has('*')) return ['*'];
  return [...set].sort();
}

/** Parses one scope. The type ends at the first `:`, the actions start after the last, so names may hold `host:port`. */
export function parseScope(s: string): Scope {
  if (typeof s !== 'string' || hasSpaceOrControl(s)) {
    throw new ScopeParseError('A scope cannot be empty or contain whitespace or control characters');
  }
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first < 0 || first === last) throw new ScopeParseError('A scope needs three parts: type:name:actions');
  let type = s.slice(0, first);
  let cls: string | undefined;
  const open = type.indexOf('(');
  if (open >= 0) {
    if (!type.endsWith(')')) throw new ScopeParseError('A resource class must close the type: type(class)');
    cls = type.slice(open + 1, -1);
    type = type.slice(0, open);
    if (!isPlainWord(cls)) throw new ScopeParseError('A resource class cannot be empty or contain : ( ) ,');
  }
  if (!isPlainWord(type)) throw new ScopeParseError('A scope type cannot be empty or contain : ( ) ,');
  const name = s.slice(first + 1, last);
  if (name === '') throw new ScopeParseError('A scope needs a resource name');
  const actions = canonicalActions(s.slice(last + 1).split(','));
  return cls === undefined ? { type, name, actions } : { type, class: cls, name, actions };
}

/** Canonical text of a scope: actions deduplicated and sorted, `*` alone. Throws ScopeParseError if it cannot be one. */
export function formatScope(s: Scope): string {
  const type = s.class === undefined ? s.type : `${s.type}(${s.class})`;
  const actions = canonicalActions(s.actions);
  const text = `${type}:${s.name}:${actions.join(',')}`;
  // What we write must read back as the same scope: this rejects parts holding `:`, `(` or `,` in the wrong place.
  const back = parseScope(text);
  const same = back.actions.length === actions.length && back.actions.every((a, k) => a === actions[k]);
  if (back.type !== s.type || back.class !== s.class || back.name !== s.name || !same) {
    throw new ScopeParseError('A scope part contains a character that changes its meaning (":" "," "(" ")")');
  }
  return text;
}

function resourceKey(s: Scope): string {
  return `${s.class === undefined ? s.type : `${s.type}(${s.class})`}:${s.name}`;
}

interface ScopeSet {
  /** Actions per resource (`type(class):name`), in parsed form. */
  resources: Map<string, { scope: Scope; actions: Set<string> }>;
  /** Strings that are not scopes, kept as they are. */
  verbatim: Set<string>;
}

function collect(inputs: ReadonlyArray<string | readonly string[] | undefined>): ScopeSet {
  const set: ScopeSet = { resources: new Map(), verbatim: new Set() };
  const add = (text: string): void => {
    // Each string may hold several space-separated scopes (a challenge's or a token's scope field).
    for (const part of text.split(/[ \t\r\n]+/)) {
      if (part === '') continue;
      let scope: Scope;
      try {
        scope = parseScope(part);
      } catch {
        set.verbatim.add(part);
        continue;
      }
      const key = resourceKey(scope);
      const entry = set.resources.get(key);
      if (entry) for (const a of scope.actions) entry.actions.add(a);
      else set.resources.set(key, { scope, actions: new Set(scope.actions) });
    }
  };
  for (const input of inputs) {
    if (typeof input === 'string') add(input);
    else if (input) for (const s of input) if (typeof s === 'string') add(s);
  }
  return set;
}

/**
 * Merges scope lists into one canonical, sorted array: one entry per resource with the union of its
 * actions (`*` absorbs the rest). Strings that are not scopes are kept verbatim (deduplicated), never thrown.
 */
export function mergeScopes(...inputs: Array<string | readonly string[] | undefined>): string[] {
  const set = collect(inputs);
  const out = new Set(set.verbatim);
  for (const { scope, actions } of set.resources.values()) out.add(formatScope({ ...scope, actions: [...actions] }));
  return [...out].sort();
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
  const want = collect([needed]);
  for (const v of want.verbatim) if (!have.verbatim.has(v)) return false;
  for (const [key, { actions }] of want.resources) {
    if (actions.size === 0) continue; // asks for nothing
    const got = have.resources.get(key)?.actions;
    if (!got) return false;
    if (got.has('*')) continue;
    for (const a of actions) if (!got.has(a)) return false;
  }
  return true;
}

// What distribution checks per method, on every repository route.
const ROUTE_ACTIONS = new Map([
  ['GET', 'pull'],
  ['HEAD', 'pull'],
  ['POST', 'pull,push'],
  ['PUT', 'pull,push'],
  ['PATCH', 'pull,push'],
  ['DELETE', 'delete'],
]);

/**
 * The scopes a request needs, inferred from the OCI distribution routes (as distribution itself does, the
 * method decides the actions). Canonical (mergeScopes) form; `[]` when the URL is not a repository or
 * catalog route, or when the name is doubtful.
 */
export function scopesForRequest(url: string | URL, method: string): string[] {
  let u: URL;
  try {
    // A base lets a bare path through; an absolute URL ignores it.
    u = typeof url === 'string' ? new URL(url, 'http://registry.invalid') : url;
  } catch {
    return [];
  }
  const segments = u.pathname.split('/');
  // The first `v2` segment that starts a route wins: a proxy prefix (`/proxy/v2/…`) works, and so does a
  // repository named `v2` (`/v2/v2/manifests/x`).
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] !== 'v2') continue;
    const route = matchRoute(segments.slice(i + 1));
    // A route whose name is doubtful names no repository: a later `v2` inside that name must not rescue it.
    if (route === 'invalid') return [];
    if (route) return routeScopes(route, u, method);
  }
  return [];
}

type Route = { kind: 'catalog' } | { kind: 'repository'; name: string; upload: boolean };

/** The route after a `v2` segment; `invalid` when its shape matches but its name is not a repository name. */
function matchRoute(rest: string[]): Route | 'invalid' | undefined {
  const n = rest.length;
  if (n === 1 && rest[0] === '_catalog') return { kind: 'catalog' };
  const at = (k: number): string | undefined => rest[n - k];
  // Routes are recognised by their fixed tail, so name components may themselves be `manifests`, `blobs`…
  let nameLength = -1;
  let upload = false;
  if (at(3) === 'blobs' && at(2) === 'uploads') {
    nameLength = n - 3; // blobs/uploads/ and blobs/uploads/<uuid>
    upload = true;
  } else if (at(2) === 'blobs' && at(1) === 'uploads') {
    nameLength = n - 2; // blobs/uploads without the trailing slash
    upload = true;
  } else if (at(2) === 'tags' && at(1) === 'list') {
    nameLength = n - 2;
  } else if ((at(2) === 'manifests' || at(2) === 'blobs' || at(2) === 'referrers') && at(1)) {
    nameLength = n - 2;
  }
  if (nameLength < 1) return undefined;
  const name = repositoryName(rest.slice(0, nameLength), true);
  return name === undefined ? 'invalid' : { kind: 'repository', name, upload };
}

/**
 * Joins path components into a repository name, percent-decoding them when asked. Undefined (no scope) when
 * a component is empty, undecodable, or decodes to `/` or whitespace: better no guess than another repository.
 */
function repositoryName(components: readonly string[], decode: boolean): string | undefined {
  const out: string[] = [];
  for (const c of components) {
    let d = c;
    if (decode) {
      try {
        d = decodeURIComponent(c);
      } catch {
        return undefined;
      }
    }
    if (d === '' || d.includes('/') || hasSpaceOrControl(d)) return undefined;
    out.push(d);
  }
  return out.join('/');
}

function routeScopes(route: Route, u: URL, method: string): string[] {
  if (route.kind === 'catalog') return ['registry:catalog:*'];
  const m = method.toUpperCase();
  const actions = ROUTE_ACTIONS.get(m);
  if (!actions) return [];
  const scopes = [`repository:${route.name}:${actions}`];
  // Cross-repository mount: POST …/blobs/uploads/?mount=<digest>&from=<other> also reads <other>.
  if (route.upload && m === 'POST' && u.searchParams.has('mount')) {
    const from = u.searchParams.getAll('from');
    // searchParams values are already decoded.
    const fromName = from.length === 1 && from[0] ? repositoryName(from[0].split('/'), false) : undefined;
    if (fromName !== undefined) scopes.push(`repository:${fromName}:pull`);
  }
  return mergeScopes(scopes);
}
