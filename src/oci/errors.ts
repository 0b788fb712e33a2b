// Typed errors of the operations layer. Token errors (bad password, unreachable realm) come from the core as
// they are (`TokenRequestError`, …); these cover what the registry itself says, what we check, and a registry
// that cannot be reached. All share the package's one root class, OciAuthError.

import { OciAuthError } from '../errors.ts';

/** Error codes of the OCI distribution spec and of distribution itself; others pass through as sent. */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_UNVERIFIED'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  | 'RANGE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNAVAILABLE'
  | 'UNKNOWN'
  | (string & {});

/** Codes of errors found on our side. */
export type OciClientErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'UNSUPPORTED_DIGEST'
  | 'INVALID_RESPONSE'
  | 'TOO_LARGE'
  | 'NETWORK'
  | 'NOT_A_REGISTRY';

/** One entry of a registry's `{"errors":[…]}` body. */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Base class of the operations layer's errors (an OciAuthError); `code` is stable, messages are for people. */
export class OciError extends OciAuthError<OciClientErrorCode | RegistryErrorCode> {}

export interface RegistryErrorDetails {
  status: number;
  /** The operation that failed (`getManifest`, `pushBlob`, …). */
  operation: string;
  method: string;
  /** Request URL without its query (upload URLs carry state, pre-signed URLs secrets). */
  url: string;
  errors: RegistryErrorEntry[];
  /** The `error` parameter of a final 401's challenge (`insufficient_scope`, `invalid_token`). */
  authError?: string;
}

/**
 * The registry answered an operation with an error. `code` is the registry's own (the first of its
 * `errors`), or one that the status implies when the body says nothing (a HEAD, a proxy's page).
 */
export class RegistryError extends OciError {
  declare readonly code: RegistryErrorCode;
  readonly status: number;
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly errors: RegistryErrorEntry[];
  readonly authError: string | undefined;

  constructor(code: RegistryErrorCode, message: string, details: RegistryErrorDetails) {
    super(code, message);
    this.status = details.status;
    this.operation = details.operation;
    this.method = details.method;
    this.url = details.url;
    this.errors = details.errors;
    this.authError = details.authError;
  }
}

/** Content did not hash to the digest it was asked or announced by. */
export class DigestMismatchError extends OciError {
  readonly expected: string;
  readonly actual: string;

  constructor(what: string, expected: string, actual: string) {
    super('DIGEST_MISMATCH', `${what}: expected digest ${expected}, the content hashes to ${actual}.`);
    this.expected = expected;
    this.actual = actual;
  }
}
