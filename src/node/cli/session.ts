// What both commands share: the credentials, the traced fetch underneath, and the auth fetch itself.

import { join } from 'node:path';
import { createAuthFetch } from '../../index.ts';
import type { AuthEvent, AuthFetch, CredentialProvider, PasswordCredential, TokenCache } from '../../index.ts';
import { FileTokenCache } from '../file-cache.ts';
import { cacheDirectory } from '../paths.ts';
import { loginCredentials, userCredential } from './credentials.ts';
import type { Io } from './io.ts';
import type { Secrets } from './redact.ts';
import { formatEvent, tracingFetch } from './trace.ts';
import type { FetchLike, TraceLog } from './trace.ts';

interface SessionFlags {
  verbose: boolean;
  user: string | undefined;
  passwordStdin: boolean;
  plainHttp: boolean;
  scopes: string[];
  /** --max-time: no token request or credential helper may outlive it either. */
  maxTimeMs: number | undefined;
  /** False with --no-cache. */
  cache: boolean;
}

interface SessionOptions {
  /** `host[:port]` of the registry: --plain-http lets credentials go to it (and its realm) over http. */
  registry: string;
  /** Reads stdin once (for --password-stdin). */
  readStdin: () => Promise<Buffer>;
  /** Sees every request after tracing, before the network (the token command watches Authorization here). */
  wrapFetch?: (fetch: FetchLike) => FetchLike;
  /** Called with each SDK event, after it is traced. */
  onEvent?: (event: AuthEvent) => void;
}

interface Session {
  authFetch: AuthFetch;
}

/** -v lines on stderr, redacted; nothing without -v. */
function traceLog(io: Io, secrets: Secrets, verbose: boolean): TraceLog {
  if (!verbose) return () => {};
  return (line) => {
    io.stderr.write(`${secrets.redact(line)}\n`);
  };
}

/** Set to anything but the empty string, the cache file is not used (as with --no-cache). */
const NO_CACHE_ENV = 'OCI_AUTH_FETCH_NO_CACHE';

/** The file that keeps tokens and what registries taught between runs; undefined with --no-cache or no cache folder. */
function cacheFile(env: NodeJS.ProcessEnv, enabled: boolean): string | undefined {
  const folder = enabled && !env[NO_CACHE_ENV] ? cacheDirectory(env) : undefined;
  return folder === undefined ? undefined : join(folder, 'oci-auth-fetch', 'tokens.json');
}

export async function createSession(
  flags: SessionFlags,
  io: Io,
  secrets: Secrets,
  options: SessionOptions,
): Promise<Session> {
  const log = traceLog(io, secrets, flags.verbose);
  const readText = async () => (await options.readStdin()).toString('utf8');
  const user = await userCredential(flags, io.env, readText, secrets);
  const credentials: PasswordCredential | CredentialProvider = user ?? loginCredentials(io.env, flags.maxTimeMs);
  const network: FetchLike = (input, init) => globalThis.fetch(input, init);
  const traced = tracingFetch(network, log, secrets);
  const file = cacheFile(io.env, flags.cache);
  const cache: TokenCache | undefined = file === undefined ? undefined : new FileTokenCache(file);
  const authFetch = createAuthFetch({
    credentials,
    ...(cache ? { cache } : {}),
    scopes: flags.scopes,
    fetch: options.wrapFetch ? options.wrapFetch(traced) : traced,
    onEvent: (event) => {
      log(formatEvent(event));
      options.onEvent?.(event);
    },
    allowInsecureRealm: flags.plainHttp ? [options.registry] : false,
    ...(flags.maxTimeMs !== undefined ? { tokenTimeoutMs: Math.min(30_000, flags.maxTimeMs) } : {}),
  });
  return { authFetch };
}
