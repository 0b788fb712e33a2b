// Credentials the way podman / buildah / skopeo find them (containers/image pkg/docker/config):
// containers auth.json files with namespaced keys, their credHelpers, then docker's config.json.

import type { Credential, CredentialContext, CredentialProvider } from '../types.ts';
import { decodePodmanAuthEntry } from './auth-entry.ts';
import { credentialOf, helperName, parseAuthFile } from './auth-file.ts';
import type { AuthFile } from './auth-file.ts';
import {
  createHelperCache,
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_HELPER_TIMEOUT_MS,
  runCredentialHelper,
} from './credential-helper.ts';
import { createJsonFileReader } from './json-file.ts';
import type { HelperOptions } from './options.ts';
import { validMs } from './options.ts';
import { podmanAuthFiles } from './paths.ts';
import {
  keysFor,
  podmanNormalizeAuthFileKey,
  podmanNormalizeRegistry,
  repositoryOfScopes,
  requestRegistry,
} from './registry-names.ts';

export interface PodmanCredentialsOptions extends HelperOptions {
  /** The only file to read, like `podman --authfile` (default `$REGISTRY_AUTH_FILE`, else the standard list). */
  authFile?: string;
  /** Read docker's config.json as podman does (after the containers files, or alone with `DOCKER_CONFIG`). Default true. */
  dockerFallback?: boolean;
}

/**
 * A provider reading containers auth.json files, as podman does: the files are tried in order
 * ({@link podmanAuthFiles}) and the first one giving a credential wins. In each file, a
 * `credHelpers` entry for the registry is asked first; otherwise the most specific `auths` key
 * for the repository of the request's first `repository:` scope answers
 * (`reg/a/b/c`, `reg/a/b`, `reg/a`, `reg`, compared exactly), else a key naming the registry
 * with a scheme or another Docker Hub name. `credsStore` is ignored, as podman ignores it.
 */
export function podmanCredentials(options: PodmanCredentialsOptions = {}): CredentialProvider {
  const timeoutMs = validMs(options.helperTimeoutMs, DEFAULT_HELPER_TIMEOUT_MS, 'helperTimeoutMs');
  const helpers = createHelperCache(validMs(options.cacheTtlMs, DEFAULT_CACHE_TTL_MS, 'cacheTtlMs'));
  const reader = createJsonFileReader(parseAuthFile, { emptyFile: 'error' });

  return async (ctx: CredentialContext): Promise<Credential | undefined> => {
    const env = options.env ?? process.env;
    // podman's name for the registry: a request to registry-1.docker.io is for a docker.io image.
    const registry = requestRegistry(ctx.registry);
    const keys = keysFor(registry, repositoryOfScopes(ctx.scopes));
    for (const file of podmanAuthFiles(env, options.authFile, options.dockerFallback ?? true)) {
      const config = await reader.read(file, ctx.registry);
      if (config === undefined) continue;
      const credential = await lookupPodman(config, registry, keys, ctx.registry, (helper) =>
        // podman asks helpers with the bare registry name (`docker.io` for Docker Hub).
        helpers.get(`${config.generation}\n${helper}\n${registry}`, () =>
          runCredentialHelper({ helper, serverAddress: registry, registry: ctx.registry, env, timeoutMs }),
        ),
      );
      if (credential !== undefined) return credential;
    }
    return undefined;
  };
}

/** containers/image `findCredentialsInFile`: undefined sends the lookup on to the next file. */
async function lookupPodman(
  config: AuthFile,
  registry: string,
  keys: readonly string[],
  requested: string,
  run: (helper: string) => Promise<Credential | undefined>,
): Promise<Credential | undefined> {
  const helper = config.credHelpers.get(registry);
  if (helper !== undefined) {
    // A file naming a helper for the registry answers through that helper only.
    return run(helperName(helper, `credHelpers ${JSON.stringify(registry)}`, config.file, requested));
  }
  const decode = (key: string): Credential | undefined =>
    credentialOf(decodePodmanAuthEntry(config.auths.get(key)), key, config.file, requested);
  // The first key present answers, even with an entry that holds nothing.
  for (const key of keys) if (config.auths.has(key)) return decode(key);
  const wanted = podmanNormalizeRegistry(registry);
  for (const key of config.auths.keys()) if (podmanNormalizeAuthFileKey(key) === wanted) return decode(key);
  return undefined;
}
