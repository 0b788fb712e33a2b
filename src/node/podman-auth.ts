// Credentials the way podman / buildah / skopeo find them: containers auth.json files with
// namespaced keys, their credHelpers, then docker's config.json.

import type { Credential, CredentialContext, CredentialProvider } from '../types.ts';
import { credentialOf, helperName, parseAuthFile } from './auth-file.ts';
import type { AuthFile, KeyStyle } from './auth-file.ts';
import { createHelperCache, DEFAULT_CACHE_TTL_MS, DEFAULT_HELPER_TIMEOUT_MS, runCredentialHelper } from './credential-helper.ts';
import { createJsonFileReader } from './json-file.ts';
import type { HelperOptions } from './options.ts';
import { validMs } from './options.ts';
import { podmanAuthFiles } from './paths.ts';
import { keysFor, namespacedKey, repositoryOfScopes, requestRegistry } from './registry-names.ts';

export interface PodmanCredentialsOptions extends HelperOptions {
  /** The only file to read, like `podman --authfile` (default `$REGISTRY_AUTH_FILE`, else the standard list). */
  authFile?: string;
  /** Also read docker's config.json after the containers files, as podman does. Default true. */
  dockerFallback?: boolean;
}

/** Podman keys are `registry[/namespace…]` and are written without a scheme. */
export const PODMAN_KEY_STYLE: KeyStyle = { toKey: namespacedKey, nativeKey: (key) => key };

/**
 * A provider reading containers auth.json files, as podman does: the files are tried in order
 * ({@link podmanAuthFiles}) and the first one giving a credential wins. In each file, a
 * `credHelpers` entry for the registry is asked first; otherwise the most specific `auths` key
 * for the repository of the request's first `repository:` scope wins
 * (`reg/a/b/c`, `reg/a/b`, `reg/a`, `reg`). `credsStore` is ignored, as podman ignores it.
 */
export function podmanCredentials(options: PodmanCredentialsOptions = {}): CredentialProvider {
  const timeoutMs = validMs(options.helperTimeoutMs, DEFAULT_HELPER_TIMEOUT_MS, 'helperTimeoutMs');
  const helpers = createHelperCache(validMs(options.cacheTtlMs, DEFAULT_CACHE_TTL_MS, 'cacheTtlMs'));
  const reader = createJsonFileReader((data, file, registry) => parseAuthFile(data, file, registry, PODMAN_KEY_STYLE));

  return async (ctx: CredentialContext): Promise<Credential | undefined> => {
    const env = options.env ?? process.env;
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

async function lookupPodman(
  config: AuthFile,
  registry: string,
  keys: readonly string[],
  requested: string,
  run: (helper: string) => Promise<Credential | undefined>,
): Promise<Credential | undefined> {
  const perRegistry = config.credHelpers.get(registry);
  if (perRegistry !== undefined && perRegistry.helper !== '') {
    // As podman: a file naming a helper for the registry answers through that helper only.
    return run(helperName(perRegistry.helper, `credHelpers ${JSON.stringify(perRegistry.rawKey)}`, config.file, requested));
  }
  for (const key of keys) {
    const found = config.auths.get(key);
    if (found !== undefined) return credentialOf(found, config.file, requested);
  }
  return undefined;
}
