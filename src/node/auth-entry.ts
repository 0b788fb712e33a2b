// One `auths` entry of a docker config.json / containers auth.json, decoded into a Credential.

import type { Credential } from '../types.ts';

export type AuthEntry =
  | { kind: 'credential'; credential: Credential }
  /** Nothing usable: `{}` (docker's marker for "kept in the credential store") or empty fields. */
  | { kind: 'empty' }
  /** Present but unusable; `problem` describes why without quoting any value. */
  | { kind: 'invalid'; problem: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decode an entry. Precedence, as docker's: `registrytoken` (a bearer token, sent as is), then
 * `identitytoken` (a refresh token, with the user name from `auth`/`username` when present),
 * then the user name and password (`auth`, base64 of `user:password`, wins over the
 * `username`/`password` fields).
 */
export function decodeAuthEntry(value: unknown): AuthEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', problem: 'is not a JSON object' };
  }
  const entry = value as Record<string, unknown>;
  for (const field of ['auth', 'username', 'password', 'identitytoken', 'registrytoken']) {
    const v = entry[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return { kind: 'invalid', problem: `has a non-string "${field}" field` };
    }
  }
  const text = (field: string): string => {
    const v = entry[field];
    return typeof v === 'string' ? v : '';
  };

  let username = text('username');
  let password = text('password');
  let hasPassword = typeof entry.password === 'string';
  const auth = text('auth').trim();
  if (auth !== '') {
    if (!BASE64.test(auth)) {
      return { kind: 'invalid', problem: 'has an "auth" field that is not valid base64' };
    }
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      return { kind: 'invalid', problem: 'has an "auth" field that does not decode to "username:password"' };
    }
    username = decoded.slice(0, colon);
    // docker trims NUL padding some old tools left in the password.
    password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '');
    hasPassword = true;
  }

  const registryToken = text('registrytoken');
  if (registryToken !== '') return { kind: 'credential', credential: { accessToken: registryToken } };
  const identityToken = text('identitytoken');
  if (identityToken !== '') {
    return {
      kind: 'credential',
      credential: username === '' ? { refreshToken: identityToken } : { refreshToken: identityToken, username },
    };
  }
  if (username !== '' && hasPassword) return { kind: 'credential', credential: { username, password } };
  return { kind: 'empty' };
}
