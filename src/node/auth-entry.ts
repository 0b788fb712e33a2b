// One `auths` entry of a docker config.json / containers auth.json, decoded into a Credential,
// the docker way (decodeAuthEntry) or the podman way (decodePodmanAuthEntry).

import type { Credential } from '../types.ts';

export type AuthEntry =
  | { kind: 'credential'; credential: Credential }
  /** Nothing usable: `{}` (docker's marker for "kept in the credential store") or empty fields. */
  | { kind: 'empty' }
  /** Present but unusable; `problem` describes why without quoting any value. */
  | { kind: 'invalid'; problem: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Fields = { text(field: string): string; has(field: string): boolean };

/** The entry's string fields, or a problem: not an object, or one of `fields` is neither a string nor null. */
function fieldsOf(value: unknown, fields: readonly string[]): Fields | { problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'is not a JSON object' };
  const entry = value as Record<string, unknown>;
  for (const field of fields) {
    const v = entry[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return { problem: `has a non-string "${field}" field` };
  }
  return {
    text: (field) => (typeof entry[field] === 'string' ? (entry[field] as string) : ''),
    has: (field) => typeof entry[field] === 'string',
  };
}

/** A parsed file is kept while it does not change: so is each entry's decoding, and the same credential is returned. */
function memo(decode: (value: unknown) => AuthEntry): (value: unknown) => AuthEntry {
  const cache = new WeakMap<object, AuthEntry>();
  return (value) => {
    if (value === null || typeof value !== 'object') return decode(value);
    let entry = cache.get(value);
    if (entry === undefined) {
      entry = decode(value);
      cache.set(value, entry);
    }
    return entry;
  };
}

/** `auth`, base64 of `user:password`; undefined when empty. */
function decodeAuthField(auth: string): { username: string; password: string } | { problem: string } | undefined {
  if (auth === '') return undefined;
  if (!BASE64.test(auth)) return { problem: 'has an "auth" field that is not valid base64' };
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { problem: 'has an "auth" field that does not decode to "username:password"' };
  // Both tools trim the NUL padding some old tools left in the password.
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '') };
}

/**
 * Decode an entry as docker does. Precedence: `registrytoken` (a bearer token, sent as is), then
 * `identitytoken` (a refresh token, with the user name from `auth`/`username` when present),
 * then the user name and password (`auth`, base64 of `user:password`, wins over the
 * `username`/`password` fields).
 */
export const decodeAuthEntry = memo((value: unknown): AuthEntry => {
  const entry = fieldsOf(value, ['auth', 'username', 'password', 'identitytoken', 'registrytoken']);
  if ('problem' in entry) return { kind: 'invalid', problem: entry.problem };
  let username = entry.text('username');
  let password = entry.text('password');
  let hasPassword = entry.has('password');
  const auth = decodeAuthField(entry.text('auth').trim());
  if (auth !== undefined) {
    if ('problem' in auth) return { kind: 'invalid', problem: auth.problem };
    ({ username, password } = auth);
    hasPassword = true;
  }

  const registryToken = entry.text('registrytoken');
  if (registryToken !== '') return { kind: 'credential', credential: { accessToken: registryToken } };
  const identityToken = entry.text('identitytoken');
  if (identityToken !== '') {
    return {
      kind: 'credential',
      credential: username === '' ? { refreshToken: identityToken } : { refreshToken: identityToken, username },
    };
  }
  if (username !== '' && hasPassword) return { kind: 'credential', credential: { username, password } };
  return { kind: 'empty' };
});

/**
 * Decode an entry as podman does (containers/image `decodeDockerAuth`): only `auth` is read, and
 * `identitytoken` beside it. `username`/`password` fields, `registrytoken`, or an `identitytoken`
 * without `auth` hold nothing.
 */
export const decodePodmanAuthEntry = memo((value: unknown): AuthEntry => {
  const entry = fieldsOf(value, ['auth', 'identitytoken']);
  if ('problem' in entry) return { kind: 'invalid', problem: entry.problem };
  const auth = decodeAuthField(entry.text('auth').trim());
  if (auth === undefined) return { kind: 'empty' };
  if ('problem' in auth) return { kind: 'invalid', problem: auth.problem };
  const identityToken = entry.text('identitytoken');
  if (identityToken !== '')
    return { kind: 'credential', credential: { refreshToken: identityToken, username: auth.username } };
  return { kind: 'credential', credential: auth };
});
