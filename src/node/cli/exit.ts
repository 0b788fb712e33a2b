// Exit codes and the errors that carry them. The table is documented in docs/cli.md and in --help.

import { OciAuthError } from '../../index.ts';

export const EXIT = {
  /** The request succeeded (status < 400, or any status with --no-fail). */
  OK: 0,
  /** The registry answered an HTTP error status (>= 400, except 401). */
  HTTP: 1,
  /** The command line is wrong: unknown option, missing URL, bad header or scope, unreadable -d file. */
  USAGE: 2,
  /** Authentication failed: credentials refused, unusable or missing, or a final 401. */
  AUTH: 3,
  /** Anything else: network, TLS, a broken token endpoint, writing the output. */
  OTHER: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a given exit code and a one-line message (no secrets). */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(EXIT.USAGE, message);
    this.name = 'UsageError';
  }
}

const AUTH_CODES = new Set(['TOKEN_DENIED', 'CREDENTIAL_PROVIDER', 'INSECURE_REALM']);

/** The exit code and the message (without the `oci-auth-fetch: ` prefix) for anything a command threw. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof OciAuthError) {
    if (AUTH_CODES.has(error.code)) {
      const hint = error.code === 'INSECURE_REALM' ? ' (--plain-http allows it for this registry)' : '';
      return { exitCode: EXIT.AUTH, message: `authentication failed: ${error.message}${hint}` };
    }
    return { exitCode: EXIT.OTHER, message: error.message };
  }
  return { exitCode: EXIT.OTHER, message: `request failed: ${causeText(error)}` };
}

/** `fetch failed (connect ECONNREFUSED 127.0.0.1:1)`: fetch hides the useful part in `cause`. */
function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) {
    return `${error.message} (${cause.message})`;
  }
  return error.message;
}
