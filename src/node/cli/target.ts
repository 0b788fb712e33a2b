// Where a command goes: the URL of a request, or the registry and repository of a token.

import { registryBaseUrl } from '../../http.ts';
import { UsageError } from './exit.ts';

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A URL from the command line. Without a scheme: https, or http for a loopback host or with --plain-http.
 * Only http(s); credentials in the URL are refused (they belong in -u, where they are not sent as is).
 */
export function parseTargetUrl(text: string, plainHttp: boolean): URL {
  let url: URL;
  try {
    if (HAS_SCHEME.test(text)) {
      url = new URL(text);
    } else {
      // The library's one rule for a bare registry name (http on this machine, https elsewhere), unless --plain-http.
      const scheme = plainHttp ? 'http:' : registryBaseUrl(new URL(`https://${text}`).host).protocol;
      url = new URL(`${scheme}//${text}`);
    }
  } catch {
    throw new UsageError('not a URL (not shown: it may hold a signature)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`unsupported scheme ${url.protocol.slice(0, -1)}: use https:// or http://`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('credentials in the URL are not supported: use -u USER with --password-stdin');
  }
  return url;
}

interface RegistryTarget {
  /** `http(s)://host[:port]` */
  origin: string;
  /** `host[:port]` */
  registry: string;
  /** The repository, when one was given (Docker Hub official images get `library/`). */
  repository?: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * `REGISTRY[/REPOSITORY[:tag|@digest]]`, with an optional scheme. The tag or digest is ignored.
 * Docker Hub's names all mean `registry-1.docker.io`, where its API lives.
 */
export function parseRegistryTarget(text: string, plainHttp: boolean): RegistryTarget {
  const url = parseTargetUrl(text, plainHttp);
  if (url.search !== '' || url.hash !== '')
    throw new UsageError(`not a registry or repository: ${JSON.stringify(text)}`);
  const hub = DOCKER_HUB_ALIASES.has(url.hostname.toLowerCase()) && url.port === '';
  const origin = hub ? 'https://registry-1.docker.io' : url.origin;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  } catch {
    throw new UsageError(`not a registry or repository: ${JSON.stringify(text)}`);
  }
  if (path.startsWith('v2/') || path === 'v2') {
    throw new UsageError('give REGISTRY/REPOSITORY, not an API URL: for example 127.0.0.1:5000/team/app');
  }
  const at = path.indexOf('@');
  if (at >= 0) path = path.slice(0, at);
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', lastSlash + 1);
  if (colon >= 0) path = path.slice(0, colon);
  const registry = new URL(origin).host;
  if (path === '') return { origin, registry };
  const repository = hub && !path.includes('/') ? `library/${path}` : path;
  return { origin, registry, repository };
}
