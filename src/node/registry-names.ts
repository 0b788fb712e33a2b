// Registry names as they appear in requests and in credential-file keys, reduced to one canonical form.

/** Canonical name of Docker Hub in this module. */
const DOCKER_HUB = 'docker.io';

/** The key docker uses for Docker Hub in `config.json` and with credential helpers. */
const DOCKER_HUB_SERVER_ADDRESS = 'https://index.docker.io/v1/';

/** Host names that all mean Docker Hub. */
const DOCKER_HUB_HOSTS: readonly string[] = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A lower-cased `host[:port]`, with every Docker Hub host mapped to `docker.io`. */
export function canonicalHost(host: string): string {
  const h = host.trim().toLowerCase();
  return DOCKER_HUB_HOSTS.includes(h) ? DOCKER_HUB : h;
}

/**
 * The registry a key or address designates, docker's way: any scheme and everything from the
 * first `/` are dropped (`https://index.docker.io/v1/` → `docker.io`, `quay.io/` → `quay.io`).
 * Undefined for an empty key.
 */
export function registryOfKey(key: string): string | undefined {
  const rest = key.trim().replace(SCHEME, '');
  const host = rest.split('/')[0] ?? '';
  return host === '' ? undefined : canonicalHost(host);
}

/** containers/image `normalizeRegistry`: the Docker Hub names podman folds together. */
export function podmanNormalizeRegistry(registry: string): string {
  return registry === 'registry-1.docker.io' || registry === 'docker.io' ? 'index.docker.io' : registry;
}

/**
 * containers/image `normalizeAuthFileKey`: a key with an `http://` or `https://` prefix keeps only its
 * host; any other key is kept whole (`quay.io/` stays `quay.io/`). Case is kept.
 */
export function podmanNormalizeAuthFileKey(key: string): string {
  const stripped = key.replace(/^http:\/\//, '').replace(/^https:\/\//, '');
  return podmanNormalizeRegistry(stripped === key ? key : (stripped.split('/')[0] ?? ''));
}

/** The registry of a provider context (`host[:port]`, a URL is tolerated), canonical. */
export function requestRegistry(registry: string): string {
  return registryOfKey(registry) ?? registry.trim().toLowerCase();
}

/** What docker writes to a credential helper's stdin for a canonical registry. */
export function dockerServerAddress(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_SERVER_ADDRESS : registry;
}

/**
 * The repository a request is for, from its scopes (`repository:team/app:pull` → `team/app`, also
 * `repository(plugin):…`): the first that asks more than `pull` (a push or mount target; scopes come sorted,
 * so a mount's source may come first), else the first `repository` scope; undefined when none names one.
 */
export function repositoryOfScopes(scopes: readonly string[]): string | undefined {
  let firstPull: string | undefined;
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last <= first) continue;
    const type = scope.slice(0, first).replace(/\(.*\)$/, '');
    if (type !== 'repository') continue;
    const name = scope
      .slice(first + 1, last)
      .split('/')
      .filter((part) => part !== '')
      .join('/');
    if (name === '') continue;
    if (
      scope
        .slice(last + 1)
        .split(',')
        .some((action) => action !== 'pull')
    )
      return name;
    firstPull ??= name;
  }
  return firstPull;
}

/**
 * Keys to look up, most specific first: `reg/a/b/c`, `reg/a/b`, `reg/a`, `reg`.
 */
export function keysFor(registry: string, repository: string | undefined): string[] {
  const keys: string[] = [];
  if (repository !== undefined) {
    const parts = repository.split('/').filter((part) => part !== '');
    for (let n = parts.length; n > 0; n--) keys.push([registry, ...parts.slice(0, n)].join('/'));
  }
  keys.push(registry);
  return keys;
}
