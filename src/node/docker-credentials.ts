// Credentials the way the docker CLI finds them: ~/.docker/config.json, its credHelpers and credsStore.

import type { Credential, CredentialContext, CredentialProvider } from '../types.ts';
import { decodeAuthEntry } from './auth-entry.ts';
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
import { dockerConfigFile } from './paths.ts';
import { dockerServerAddress, registryOfKey, requestRegistry } from './registry-names.ts';

export interface DockerCredentialsOptions extends HelperOptions {
  /** Directory holding `config.json`. Default `$DOCKER_CONFIG`, else `~/.docker`. */
  configDir?: string;
}

/**
 * A provider reading docker's config.json. For a registry, as the docker CLI does:
 * 1. a `credHelpers` entry for it runs `docker-credential-<name>` (an empty name means "use `auths`");
 * 2. else a `credsStore` runs that helper;
 * 3. else the `auths` entry.
 * A helper's "not found" means anonymous. No file means anonymous. Where keys are matched more
 * loosely than docker matches them, docs/node.md says so ("Where we differ").
 */
export function dockerCredentials(options: DockerCredentialsOptions = {}): CredentialProvider {
  const timeoutMs = validMs(options.helperTimeoutMs, DEFAULT_HELPER_TIMEOUT_MS, 'helperTimeoutMs');
  const helpers = createHelperCache(validMs(options.cacheTtlMs, DEFAULT_CACHE_TTL_MS, 'cacheTtlMs'));
  const reader = createJsonFileReader(parseAuthFile, { emptyFile: 'empty-object' });

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

interface HelperRunner {
  run(helper: string, serverAddress: string): Promise<Credential | undefined>;
}

/**
 * The key of `map` naming `registry`: docker's own form first (the host, or `https://index.docker.io/v1/`
 * for Docker Hub), else the first key whose host is the registry (any scheme, path or case, any Docker
 * Hub name).
 */
function findKey<V>(map: Map<string, V>, registry: string): [string, V] | undefined {
  const native = dockerServerAddress(registry);
  let loose: [string, V] | undefined;
  for (const [key, value] of map) {
    if (key === native) return [key, value];
    if (loose === undefined && registryOfKey(key) === registry) loose = [key, value];
  }
  return loose;
}

/** Docker's lookup in one parsed config.json. */
async function lookupDocker(
  config: AuthFile,
  requested: string,
  runner: HelperRunner,
): Promise<Credential | undefined> {
  const registry = requestRegistry(requested);
  const perRegistry = findKey(config.credHelpers, registry);
  let helper: string | undefined;
  if (perRegistry !== undefined) {
    const [key, name] = perRegistry;
    if (name !== '') helper = helperName(name, `credHelpers ${JSON.stringify(key)}`, config.file, requested);
  } else if (config.credsStore !== undefined) {
    helper = helperName(config.credsStore, 'credsStore', config.file, requested);
  }
  const found = findKey(config.auths, registry);
  if (helper !== undefined) {
    const answer = await runner.run(helper, dockerServerAddress(registry));
    // docker's native store starts from the auths entry and replaces only the user name, password and
    // identity token with the helper's answer: a registrytoken written there is still sent.
    const token = (found?.[1] as { registrytoken?: unknown } | null | undefined)?.registrytoken;
    return typeof token === 'string' && token !== '' ? { accessToken: token } : answer;
  }
  return found === undefined ? undefined : credentialOf(decodeAuthEntry(found[1]), found[0], config.file, requested);
}
