// The shape shared by docker's config.json and containers' auth.json: `auths`, `credHelpers`, `credsStore`.
// Keys are kept as written: each provider matches them with its own tool's rule.

import type { AuthEntry } from './auth-entry.ts';
import type { Credential } from '../types.ts';
import { CredentialConfigError } from './errors.ts';

export interface AuthFile {
  file: string;
  /** Distinct for each parse of each file: helper answers are cached per generation. */
  generation: number;
  /** Raw key → raw entry, in file order. */
  auths: Map<string, unknown>;
  /** Raw key → helper name (not validated yet). */
  credHelpers: Map<string, unknown>;
  /** The `credsStore` value when present and non-empty (not validated yet). */
  credsStore: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

let generations = 0;

export function parseAuthFile(data: unknown, file: string, registry: string): AuthFile {
  const bad = (what: string): CredentialConfigError =>
    new CredentialConfigError(
      `Cannot use the credentials file ${file} (looking up ${registry}): ${what}. ` +
        'Fix or remove the file; its content is not shown because it may hold secrets.',
      { file, registry },
    );
  if (!isObject(data)) throw bad('it is not a JSON object');
  const { auths, credHelpers, credsStore } = data;
  if (auths !== undefined && auths !== null && !isObject(auths)) throw bad('its "auths" is not an object');
  if (credHelpers !== undefined && credHelpers !== null && !isObject(credHelpers)) {
    throw bad('its "credHelpers" is not an object');
  }
  return {
    file,
    generation: ++generations,
    auths: new Map(Object.entries(isObject(auths) ? auths : {})),
    credHelpers: new Map(Object.entries(isObject(credHelpers) ? credHelpers : {})),
    credsStore: credsStore !== undefined && credsStore !== null && credsStore !== '' ? credsStore : undefined,
  };
}

/** The credential of a decoded entry (undefined when empty); throws when the entry is invalid. */
export function credentialOf(entry: AuthEntry, rawKey: string, file: string, registry: string): Credential | undefined {
  if (entry.kind === 'credential') return entry.credential;
  if (entry.kind === 'empty') return undefined;
  throw new CredentialConfigError(
    `The "auths" entry ${JSON.stringify(rawKey)} in ${file} (used for ${registry}) ${entry.problem}. ` +
      'Log in again or fix the entry.',
    { file, registry },
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a helper's name must not hold control characters
const HELPER_NAME = /^[^/\\\0-\x1f]+$/;

/** Validate a helper name from a file (`credHelpers` value or `credsStore`). */
export function helperName(value: unknown, field: string, file: string, registry: string): string {
  if (typeof value === 'string' && HELPER_NAME.test(value)) return value;
  throw new CredentialConfigError(
    `The ${field} value used for ${registry} in ${file} is not a credential helper name ` +
      '(expected a string like "osxkeychain", naming the program docker-credential-<name>). Fix the file.',
    { file, registry },
  );
}
