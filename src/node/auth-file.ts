// The shape shared by docker's config.json and containers' auth.json: `auths`, `credHelpers`, `credsStore`.

import { decodeAuthEntry } from './auth-entry.ts';
import type { AuthEntry } from './auth-entry.ts';
import type { Credential } from '../types.ts';
import { CredentialConfigError } from './errors.ts';

/** How a tool reads keys: `toKey` canonicalises a raw key; `nativeKey` is the form the tool itself writes. */
export interface KeyStyle {
  toKey(raw: string): string | undefined;
  nativeKey(key: string): string;
}

export interface AuthFile {
  file: string;
  /** Distinct for each parse of each file: helper answers are cached per generation. */
  generation: number;
  /** Canonical key → usable or invalid entry (empty entries are left out). */
  auths: Map<string, { rawKey: string; entry: AuthEntry }>;
  /** Canonical registry → helper name (`''` means "use the auths entries", as docker does). */
  credHelpers: Map<string, { rawKey: string; helper: unknown }>;
  /** The `credsStore` value when present and non-empty (not validated yet). */
  credsStore: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Several raw keys may name the same registry (`docker.io`, `https://index.docker.io/v1/`): the one
 * written in the tool's native form wins, then the first in the file.
 */
function put<V extends { rawKey: string }>(map: Map<string, V>, key: string, value: V, style: KeyStyle): void {
  const existing = map.get(key);
  if (existing === undefined) {
    map.set(key, value);
    return;
  }
  const native = style.nativeKey(key);
  if (existing.rawKey.trim() !== native && value.rawKey.trim() === native) map.set(key, value);
}

let generations = 0;

export function parseAuthFile(data: unknown, file: string, registry: string, style: KeyStyle): AuthFile {
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

  const result: AuthFile = { file, generation: ++generations, auths: new Map(), credHelpers: new Map(), credsStore: undefined };
  for (const [rawKey, value] of Object.entries(isObject(auths) ? auths : {})) {
    const key = style.toKey(rawKey);
    if (key === undefined) continue;
    const entry = decodeAuthEntry(value);
    if (entry.kind === 'empty') continue;
    put(result.auths, key, { rawKey, entry }, style);
  }
  for (const [rawKey, helper] of Object.entries(isObject(credHelpers) ? credHelpers : {})) {
    const key = style.toKey(rawKey);
    if (key === undefined || key.includes('/')) continue;
    put(result.credHelpers, key, { rawKey, helper }, style);
  }
  if (credsStore !== undefined && credsStore !== null && credsStore !== '') result.credsStore = credsStore;
  return result;
}

/** The credential of a found entry; throws when the entry is invalid. */
export function credentialOf(
  found: { rawKey: string; entry: AuthEntry },
  file: string,
  registry: string,
): Credential | undefined {
  const { entry, rawKey } = found;
  if (entry.kind === 'credential') return entry.credential;
  if (entry.kind === 'empty') return undefined;
  throw new CredentialConfigError(
    `The "auths" entry ${JSON.stringify(rawKey)} in ${file} (used for ${registry}) ${entry.problem}. ` +
      'Log in again or fix the entry.',
    { file, registry },
  );
}

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
