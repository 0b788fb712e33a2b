// Who may do what: users, repository policies, scope parsing and granting.
import type { Action, RepositoryPolicy } from './types.ts';
import type { AccessEntry } from './jwt.ts';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
/** Repository name grammar of the distribution spec (multi-component). */
export const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

const CONCRETE: readonly Action[] = ['pull', 'push', 'delete'];

export interface ScopeRequest {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses one scope `type[(class)]:name:actions`: the type ends at the first ':' and the actions start after
 * the last one. Returns undefined when malformed.
 */
export function parseScope(scope: string): ScopeRequest | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  if (!name) return undefined;
  return { type, name, actions };
}

export function formatScope(entry: AccessEntry): string {
  return `${entry.type}:${entry.name}:${entry.actions.join(',')}`;
}

/** Whether `actions` (as granted in a token or a policy) covers `action`. */
export function covers(actions: readonly string[], action: string): boolean {
  return actions.includes(action) || actions.includes('*');
}

export class Policy {
  users: Map<string, string>;
  repositories: Map<string, RepositoryPolicy>;
  defaultUserActions: Action[];
  catalogUsers: string[] | undefined;

  constructor(
    users: Record<string, string>,
    repositories: Record<string, RepositoryPolicy>,
    defaultUserActions: Action[] | undefined,
    catalogUsers: string[] | undefined,
  ) {
    this.users = new Map(Object.entries(users));
    this.repositories = new Map(Object.entries(repositories));
    this.defaultUserActions = defaultUserActions ?? ['pull', 'push', 'delete'];
    this.catalogUsers = catalogUsers;
  }

  /** True when the user exists and the password matches. */
  authenticate(username: string, password: string): boolean {
    return this.users.has(username) && this.users.get(username) === password;
  }

  isPublic(repository: string): boolean {
    return this.repositories.get(repository)?.public === true;
  }

  /** The concrete actions (`pull`, `push`, `delete`) `user` (undefined = anonymous) may do on `repository`. */
  allowedActions(user: string | undefined, repository: string): Action[] {
    const policy = this.repositories.get(repository);
    const out = new Set<Action>();
    if (policy?.public) out.add('pull');
    if (user !== undefined && this.users.has(user)) {
      const granted = policy ? (policy.acl?.[user] ?? []) : this.defaultUserActions;
      for (const a of granted) {
        if (a === '*') for (const c of CONCRETE) out.add(c);
        else out.add(a);
      }
    }
    return CONCRETE.filter((a) => out.has(a));
  }

  mayCatalog(user: string | undefined): boolean {
    if (user === undefined || !this.users.has(user)) return false;
    return this.catalogUsers === undefined || this.catalogUsers.includes(user);
  }

  /**
   * The intersection of what was asked and what is allowed, one access entry per resource (actions merged,
   * in the order asked). A `*` asked is granted as `*` only when every concrete action is allowed, else as the
   * allowed subset. Resources with nothing granted are left out.
   */
  grant(user: string | undefined, requested: ScopeRequest[]): AccessEntry[] {
    const merged = new Map<string, AccessEntry>();
    for (const req of requested) {
      const key = `${req.type}\u0000${req.name}`;
      let allowed: string[];
      if (req.type === 'repository' && NAME_RE.test(req.name)) {
        allowed = this.allowedActions(user, req.name);
      } else if (req.type === 'registry' && req.name === 'catalog') {
        allowed = this.mayCatalog(user) ? ['*'] : [];
      } else {
        allowed = [];
      }
      const entry = merged.get(key) ?? { type: req.type, name: req.name, actions: [] };
      for (const action of req.actions) {
        let add: string[];
        if (req.type === 'registry') add = allowed.includes('*') && action === '*' ? ['*'] : [];
        else if (action === '*') add = CONCRETE.every((c) => allowed.includes(c)) ? ['*'] : [...allowed];
        else add = allowed.includes(action) ? [action] : [];
        for (const a of add) if (!entry.actions.includes(a)) entry.actions.push(a);
      }
      merged.set(key, entry);
    }
    return [...merged.values()].filter((e) => e.actions.length > 0);
  }
}
