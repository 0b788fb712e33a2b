// Where docker and podman keep their credentials files, and where the user's cache folder is, from an environment.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `$HOME` (`%USERPROFILE%` on Windows), else the OS's idea of the home directory. */
function homeDirectory(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = nonEmpty(env.HOME) ?? (process.platform === 'win32' ? nonEmpty(env.USERPROFILE) : undefined);
  if (fromEnv !== undefined) return fromEnv;
  try {
    return nonEmpty(homedir());
  } catch {
    return undefined;
  }
}

/** `<configDir>/config.json`, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
export function dockerConfigFile(env: NodeJS.ProcessEnv, configDir?: string): string | undefined {
  const dir = nonEmpty(configDir) ?? nonEmpty(env.DOCKER_CONFIG);
  if (dir !== undefined) return join(dir, 'config.json');
  const home = homeDirectory(env);
  return home === undefined ? undefined : join(home, '.docker', 'config.json');
}

/**
 * The files podman reads, in order: the podman CLI's default `--authfile` (containers/common
 * `GetDefaultAuthFile`), else containers/image's list. An explicit file (`authFile`, else
 * `$REGISTRY_AUTH_FILE`) is the only one; so is `$DOCKER_CONFIG/config.json` when `DOCKER_CONFIG` is
 * set (unless `dockerFallback` is false). Otherwise `$XDG_RUNTIME_DIR/containers/auth.json` (when the
 * variable is set), `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`, then `~/.docker/config.json`
 * unless `dockerFallback` is false.
 */
export function podmanAuthFiles(
  env: NodeJS.ProcessEnv,
  authFile: string | undefined,
  dockerFallback: boolean,
): string[] {
  const explicit = nonEmpty(authFile) ?? nonEmpty(env.REGISTRY_AUTH_FILE);
  if (explicit !== undefined) return [explicit];
  const dockerConfig = nonEmpty(env.DOCKER_CONFIG);
  if (dockerFallback && dockerConfig !== undefined) return [join(dockerConfig, 'config.json')];
  const files: string[] = [];
  const runtimeDir = nonEmpty(env.XDG_RUNTIME_DIR);
  if (runtimeDir !== undefined) files.push(join(runtimeDir, 'containers', 'auth.json'));
  const home = homeDirectory(env);
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ?? (home === undefined ? undefined : join(home, '.config'));
  if (configHome !== undefined) files.push(join(configHome, 'containers', 'auth.json'));
  if (dockerFallback && home !== undefined) files.push(join(home, '.docker', 'config.json'));
  return [...new Set(files)];
}

/**
 * The user's cache folder: `$XDG_CACHE_HOME` when it is an absolute path (any platform), else `%LOCALAPPDATA%` on
 * Windows (`~\AppData\Local` without it), `~/Library/Caches` on macOS, `~/.cache` elsewhere.
 */
export function cacheDirectory(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  if (xdg !== undefined && isAbsolute(xdg)) return xdg;
  const local = platform === 'win32' ? nonEmpty(env.LOCALAPPDATA) : undefined;
  if (local !== undefined) return local;
  const home = homeDirectory(env);
  if (home === undefined) return undefined;
  return platform === 'win32'
    ? join(home, 'AppData', 'Local')
    : platform === 'darwin'
      ? join(home, 'Library', 'Caches')
      : join(home, '.cache');
}
