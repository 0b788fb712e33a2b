// Credentials the way the docker CLI finds them: ~/.docker/config.json, its credHelpers and credsStore.

import type { Credential, CredentialContext, CredentialProvider } from '../types.ts';
import { credentialOf, helperName, parseAuthFile } from './auth-file.ts';
import type { AuthFile, KeyStyle } from './auth-file.ts';
import { createHelperCache, DEFAULT_CACHE_TTL_MS, DEFAULT_HELPER_TIMEOUT_MS, runCredentialHelper } from './credential-helper.ts';
import { createJsonFileReader } from './json-file.ts';
import type { HelperOptions } from './options.ts';
import { validMs } from './options.ts';
import { dockerConfigFile } from './paths.ts';
import { dockerServerAddress, registryOfKey, requestRegistry } from './registry-names.ts';

export interface DockerCredentialsOptions extends HelperOptions {
  /** Directory holding `config.json`. Default `$DOCKER_CONFIG`, else `~/.docker`. */
  configDir?: string;
}

/** docker keys name hosts: any path (`/v1/`, a trailing slash) is ignored; docker writes hosts, and Docker Hub's address. */
export const DOCKER_KEY_STYLE: KeyStyle = { toKey: registryOfKey, nativeKey: dockerServerAddress };

/**
 * A provider reading docker's config.json. For a registry, as the docker CLI does:
 * 1. a `credHelpers` entry for it runs `docker-credential-<name>` (an empty name means "use `auths`");
 * 2. else a `credsStore` runs that helper;
 * 3. else the `auths` entry.
 * A helper's "not found" means anonymous. No file means anonymous.
 */
export function dockerCredentials(options: DockerCredentialsOptions = {}): CredentialProvider {
  const timeoutMs = validMs(options.helperTimeoutMs, DEFAULT_HELPER_TIMEOUT_MS, 'helperTimeoutMs');
  const helpers = createHelperCache(validMs(options.cacheTtlMs, DEFAULT_CACHE_TTL_MS, 'cacheTtlMs'));
  const reader = createJsonFileReader((data, file, registry) => parseAuthFile(data, file, registry, DOCKER_KEY_STYLE));

  return async (ctx: CredentialContext): Promise<Credential | undefined> => {
    const env = options.env ?? process.env;
    const file = dockerConfigFile(env, options.configDir);
    if (file === undefined) return undefined;
    const config = await reader.read(file, ctx.registry);
    if (config === undefined) return undefined;
    return lookupDocker(config, ctx.registry, {
      // Keyed by the file's generation: a changed file (a new login?) asks the helpers again.
      run: (helper, serverAddress) =>
        helpers.get(`${config.generation}\n${helper}\n${serverAddress}`, () =>
          runCredentialHelper({ helper, serverAddress, registry: ctx.registry, env, timeoutMs }),
        ),
    });
  };
}

export interface HelperRunner {
  run(helper: string, serverAddress: string): Promise<Credential | undefined>;
}

/** Docker's lookup in one parsed config.json. */
export async function lookupDocker(config: AuthFile, requested: string, runner: HelperRunner): Promise<Credential | undefined> {
  const registry = requestRegistry(requested);
  const perRegistry = config.credHelpers.get(registry);
  let helper: string | undefined;
  if (perRegistry !== undefined) {
    if (perRegistry.helper !== '') helper = helperName(perRegistry.helper, `credHelpers ${JSON.stringify(perRegistry.rawKey)}`, config.file, requested);
  } else if (config.credsStore !== undefined) {
    helper = helperName(config.credsStore, 'credsStore', config.file, requested);
  }
  if (helper !== undefined) return runner.run(helper, dockerServerAddress(registry));
  const found = config.auths.get(registry);
  return found === undefined ? undefined : credentialOf(found, config.file, requested);
}
