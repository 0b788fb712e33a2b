// --max-time: one signal for the whole command (discovery, token, request, body); its expiry is exit 4.

import { CliError, EXIT } from './exit.ts';

interface Deadline {
  signal: AbortSignal | undefined;
  /** The error to report: a timeout message once the deadline passed, else `error` itself. */
  explain(error: unknown): unknown;
}

export function deadline(ms: number | undefined): Deadline {
  if (ms === undefined) return { signal: undefined, explain: (error) => error };
  const signal = AbortSignal.timeout(ms);
  return {
    signal,
    explain: (error) =>
      signal.aborted && !(error instanceof CliError && error.exitCode !== EXIT.OTHER)
        ? new CliError(EXIT.OTHER, `no complete answer within ${ms / 1000} s (--max-time)`)
        : error,
  };
}
