// Typed errors of the Node credential providers. Messages name files, helpers and registries,
// never a file's content or a helper's output (either may hold a secret).

import { CredentialProviderError } from '../errors.ts';

/** Why a credential helper could not give an answer. */
export type CredentialHelperFailure =
  /** The program `docker-credential-<name>` is not on the PATH. */
  | 'missing'
  /** The program could not be started (not executable, bad environment, …). */
  | 'spawn-failed'
  /** It exited with a non-zero status (other than docker's "credentials not found"). */
  | 'exit'
  /** It exited 0 but its output is not the credential JSON (`{ServerURL, Username, Secret}`). */
  | 'invalid-output'
  /** It wrote more output than any credential needs. */
  | 'output-too-large'
  /** It did not finish within the time limit and was killed. */
  | 'timeout';

export interface CredentialHelperErrorDetails {
  /** The program run, e.g. `docker-credential-ecr-login`. */
  helper: string;
  /** The registry asked for (`host[:port]`, as in the request). */
  registry: string;
  /** The server address written to the helper's stdin (`https://index.docker.io/v1/` for Docker Hub). */
  serverAddress: string;
  reason: CredentialHelperFailure;
  exitCode?: number;
  signal?: string;
  cause?: unknown;
}

/** A docker credential helper was missing, failed, hung or answered nonsense. */
export class CredentialHelperError extends CredentialProviderError {
  /** The program run, e.g. `docker-credential-ecr-login`. */
  readonly helper: string;
  /** What was written to the helper's stdin. */
  readonly serverAddress: string;
  readonly reason: CredentialHelperFailure;
  /** Exit status, for `reason: 'exit'`. */
  readonly exitCode: number | undefined;
  /** Signal that ended the helper, when one did. */
  readonly signal: string | undefined;

  constructor(message: string, details: CredentialHelperErrorDetails) {
    super(message, details.registry, details.cause === undefined ? undefined : { cause: details.cause });
    this.helper = details.helper;
    this.serverAddress = details.serverAddress;
    this.reason = details.reason;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
  }
}

/** A credentials file (docker `config.json`, containers `auth.json`) exists but cannot be used. */
export class CredentialConfigError extends CredentialProviderError {
  /** Absolute path of the file. */
  readonly file: string;

  constructor(message: string, details: { file: string; registry: string; cause?: unknown }) {
    super(message, details.registry, details.cause === undefined ? undefined : { cause: details.cause });
    this.file = details.file;
  }
}
