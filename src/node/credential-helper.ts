// Running a docker credential helper (`docker-credential-<name> get`) and caching its answers briefly.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Credential } from '../types.ts';
import { CredentialHelperError } from './errors.ts';
import type { CredentialHelperFailure } from './errors.ts';

export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;
export const DEFAULT_CACHE_TTL_MS = 30_000;
/** More than any credential JSON needs; a helper writing more is broken. */
const MAX_HELPER_OUTPUT_BYTES = 64 * 1024;
const MAX_STDERR_BYTES = 4 * 1024;

/** docker-credential-helpers' `credentials.errCredentialsNotFoundMessage`. */
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
/** The user name helpers give for an identity (refresh) token. */
const TOKEN_USERNAME = '<token>';

interface HelperRequest {
  /** The helper's name: `ecr-login` runs `docker-credential-ecr-login`. */
  helper: string;
  /** Written to stdin, e.g. `https://index.docker.io/v1/` or `quay.io`. */
  serverAddress: string;
  /** The registry being asked for, for error messages. */
  registry: string;
  /** Environment of the helper; its PATH is where the program is looked up. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxOutputBytes?: number;
}

type HelperErrorFactory = (
  reason: CredentialHelperFailure,
  what: string,
  extra?: { exitCode?: number; signal?: string; cause?: unknown },
) => CredentialHelperError;

/**
 * Ask a helper for the credential of `serverAddress`. Resolves undefined when the helper has none
 * (docker's "credentials not found in native keychain", or an empty secret). Rejects with a
 * {@link CredentialHelperError} that never contains the helper's output.
 */
export function runCredentialHelper(request: HelperRequest): Promise<Credential | undefined> {
  const program = `docker-credential-${request.helper}`;
  const error = helperErrors(request, program);
  return new Promise<Credential | undefined>((resolve, reject) => {
    let child: ChildProcess | undefined;
    const run = settleOnce(resolve, reject, () => stop(child));
    try {
      child = spawn(program, ['get'], {
        env: request.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
      });
    } catch (cause) {
      run.fail(error('spawn-failed', 'could not be started', { cause }));
      return;
    }
    run.startTimer(request.timeoutMs, () =>
      run.fail(error('timeout', `did not answer within ${request.timeoutMs} ms and was killed`)),
    );
    child.on('error', (cause: NodeJS.ErrnoException) => run.fail(spawnError(cause, error)));
    const output = collectOutput(child, request.maxOutputBytes ?? MAX_HELPER_OUTPUT_BYTES, run, error);
    // A helper may exit without reading stdin (EPIPE): its exit status tells what happened.
    child.stdin?.on('error', () => {});
    child.stdin?.end(request.serverAddress);
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (run.settled) return;
      const answer = answerOf(output(), code, signal, error);
      if (answer instanceof CredentialHelperError) run.fail(answer);
      else run.succeed(answer);
    });
  });
}

/** The errors of one run: they name the helper and the registry, never what the helper printed. */
function helperErrors(request: HelperRequest, program: string): HelperErrorFactory {
  const target =
    request.serverAddress === request.registry
      ? `registry ${request.registry}`
      : `registry ${request.registry} (asked as ${request.serverAddress})`;
  return (reason, what, extra = {}) =>
    new CredentialHelperError(`Credential helper ${program} for ${target} ${what}.`, {
      helper: program,
      registry: request.registry,
      serverAddress: request.serverAddress,
      reason,
      ...extra,
    });
}

interface Run {
  readonly settled: boolean;
  startTimer(ms: number, onTimeout: () => void): void;
  succeed(value: Credential | undefined): void;
  /** Rejects and stops the helper. */
  fail(e: CredentialHelperError): void;
}

/** The first of success, failure and timeout settles the run; the others are ignored. */
function settleOnce(
  resolve: (value: Credential | undefined) => void,
  reject: (e: CredentialHelperError) => void,
  stopHelper: () => void,
): Run {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  return {
    get settled() {
      return settled;
    },
    startTimer(ms, onTimeout) {
      timer = setTimeout(onTimeout, ms);
    },
    succeed(value) {
      if (settle()) resolve(value);
    },
    fail(e) {
      if (!settle()) return;
      stopHelper();
      reject(e);
    },
  };
}

function stop(child: ChildProcess | undefined): void {
  if (child === undefined) return;
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Why the helper could not be run at all. */
function spawnError(cause: NodeJS.ErrnoException, error: HelperErrorFactory): CredentialHelperError {
  if (cause.code === 'ENOENT') {
    return error('missing', 'is not installed (not found on PATH); install it or remove it from the config', { cause });
  }
  if (cause.code === 'EACCES') return error('spawn-failed', 'is not executable', { cause });
  return error('spawn-failed', `could not be run (${cause.code ?? cause.name})`, { cause });
}

/** Gathers stdout (failing the run past `limit` bytes) and the start of stderr; read them once the helper closed. */
function collectOutput(
  child: ChildProcess,
  limit: number,
  run: Run,
  error: HelperErrorFactory,
): () => { out: string; err: string } {
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  const stderr: Buffer[] = [];
  let stderrBytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (stdoutBytes > limit) {
      run.fail(error('output-too-large', `wrote more than ${limit} bytes`));
    } else {
      stdout.push(chunk);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk);
    stderrBytes += chunk.length;
  });
  return () => ({ out: Buffer.concat(stdout).toString('utf8'), err: Buffer.concat(stderr).toString('utf8') });
}

/** What a helper that exited answered: a credential, none, or the error to reject with. */
function answerOf(
  { out, err }: { out: string; err: string },
  code: number | null,
  signal: NodeJS.Signals | null,
  error: HelperErrorFactory,
): Credential | undefined | CredentialHelperError {
  if (isNotFound(out) || (code !== 0 && isNotFound(err))) return undefined;
  if (code === null) {
    return error('exit', `was ended by signal ${signal ?? 'unknown'} (output withheld)`, {
      signal: signal ?? undefined,
    });
  }
  if (code !== 0) return error('exit', `exited with status ${code} (output withheld)`, { exitCode: code });
  const credential = parseHelperOutput(out);
  if (credential === false) {
    return error(
      'invalid-output',
      'printed something that is not credential JSON {"Username","Secret"} (output withheld)',
    );
  }
  return credential;
}

function isNotFound(text: string): boolean {
  return text.toLowerCase().includes(NOT_FOUND_MESSAGE);
}

/**
 * `{ServerURL, Username, Secret}` → credential, read as docker-credential-helpers' client reads it with
 * Go's encoding/json `Decoder.Decode`: only the first JSON value counts (a log line after it is
 * ignored), keys match case-insensitively (the last match wins), and `null` leaves a field empty, as
 * does a top-level `null`. Undefined for an empty secret; false when Go would fail to decode it.
 */
export function parseHelperOutput(text: string): Credential | undefined | false {
  const start = text.search(/[^ \t\r\n]/);
  if (start < 0) return false;
  if (text.startsWith('null', start)) return undefined;
  const end = text[start] === '{' ? endOfObject(text, start) : -1;
  if (end < 0) return false;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text.slice(start, end)) as Record<string, unknown>;
  } catch {
    return false;
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    // Upper then lower case: Go also folds "ſ" (long s) to "s".
    const name = key.toUpperCase().toLowerCase();
    if ((name === 'username' || name === 'secret' || name === 'serverurl') && value !== null) fields[name] = value;
  }
  const { username = '', secret = '', serverurl = '' } = fields;
  if (typeof username !== 'string' || typeof secret !== 'string' || typeof serverurl !== 'string') return false;
  if (secret === '') return undefined;
  if (username === TOKEN_USERNAME) return { refreshToken: secret };
  return { username, password: secret };
}

/** The index just past the `}` closing the object that opens at `start`, or -1 when it is not closed. */
function endOfObject(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if ((c === '}' || c === ']') && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

interface HelperCache {
  /** The cached answer for `key`, else `load()` (concurrent callers share one run). Errors are not cached. */
  get(key: string, load: () => Promise<Credential | undefined>): Promise<Credential | undefined>;
}

/** Answers (including "none") kept for `ttlMs`; 0 keeps nothing beyond sharing a run in flight. */
export function createHelperCache(ttlMs: number): HelperCache {
  const entries = new Map<string, { promise: Promise<Credential | undefined>; expiresAt: number }>();
  return {
    get(key, load) {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now) return hit.promise;
      for (const [k, e] of entries) if (e.expiresAt <= now) entries.delete(k);
      const entry = { promise: load(), expiresAt: Number.POSITIVE_INFINITY };
      entries.set(key, entry);
      entry.promise.then(
        () => {
          if (entries.get(key) !== entry) return;
          if (ttlMs > 0) entry.expiresAt = Date.now() + ttlMs;
          else entries.delete(key);
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return entry.promise;
    },
  };
}
