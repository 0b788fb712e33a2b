// The configured credential (static or provider): checking its shape, naming it without holding its secret, and
// asking a provider only when an answer is needed.

import { HEADER_SAFE, hashText } from './encoding.ts';
import { CredentialProviderError, OciAuthError } from './errors.ts';
import type { Credential, CredentialContext, CredentialProvider } from './types.ts';

export type CredentialsOption = Credential | CredentialProvider | undefined;


const EXPECTED = 'Expected { username, password }, { refreshToken, username? }, { accessToken }';

/** Why a value is not a credential, naming the field (never a value); undefined when it is one. */
export function credentialProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || !value) return `it is ${value === null ? 'null' : `a ${typeof value}`}, not an object`;
  const v = value as Record<string, unknown>;
  const bad = (name: string) =>
    v[name] === undefined || v[name] === ''
      ? `\`${name}\` is missing or empty`
      : typeof v[name] !== 'string'
        ? `\`${name}\` is not a string`
        : // An access token is sent as it is, in an Authorization header: it must fit in one.
          name === 'accessToken' && !HEADER_SAFE.test(v[name] as string)
          ? '`accessToken` holds characters an HTTP header cannot carry'
          : undefined;
  if ('accessToken' in v) return bad('accessToken');
  if ('refreshToken' in v) return bad('refreshToken') ?? (v.username === undefined ? undefined : bad('username'));
  if ('username' in v || 'password' in v) return bad('username') ?? bad('password');
  return 'it has no `username`, `refreshToken` or `accessToken`';
}

/** The `credentials` option, checked when the auth fetch is created. */
export function checkCredentialsOption(option: unknown): CredentialsOption {
  if (option === undefined || typeof option === 'function') return option as CredentialsOption;
  const problem = credentialProblem(option);
  if (problem) {
    throw new OciAuthError(
      'CREDENTIALS_INVALID',
      `The credentials option is not a credential: ${problem}. ${EXPECTED} or a provider function.`,
    );
  }
  return option as Credential;
}

/** Asks a provider; its failures become CredentialProviderError without its message (it may hold a secret). */
export async function callProvider(provider: CredentialProvider, ctx: CredentialContext): Promise<Credential | undefined> {
  let value: unknown;
  try {
    value = await provider(ctx);
  } catch (error) {
    if (error instanceof CredentialProviderError) throw error;
    // Neither its message nor the error itself (as `cause`) is kept: either may hold a secret.
    throw new CredentialProviderError(
      `The credential provider failed for ${ctx.registry}: it threw ${error instanceof Error ? `a ${error.name}` : 'a non-error'} ` +
        '(its message is not repeated: it may hold a secret). Check the provider.',
      ctx.registry,
    );
  }
  if (value == null) return undefined;
  const problem = credentialProblem(value);
  if (problem) {
    throw new CredentialProviderError(
      `The credential provider returned something that is not a credential for ${ctx.registry}: ${problem}. ${EXPECTED} or undefined.`,
      ctx.registry,
    );
  }
  return value as Credential;
}

const identities = new WeakMap<Credential, Promise<string> | string>();

/** A stable name for a credential in cache keys: a hash, never the secret. */
export function credentialIdentity(credential: Credential | undefined): Promise<string> | string {
  if (!credential) return 'anonymous';
  let identity = identities.get(credential);
  if (identity === undefined) {
    const c = credential as Partial<Record<'username' | 'password' | 'refreshToken' | 'accessToken', string>>;
    // The kind first, so that equal strings in different fields never name the same identity.
    const text =
      'password' in c ? `password\n${c.username}\n${c.password}` : 'refreshToken' in c ? `refresh\n${c.username ?? ''}\n${c.refreshToken}` : `access\n${c.accessToken}`;
    const hashing = hashText(text);
    identities.set(credential, hashing);
    // Once known, hand out the plain string: no promise to await on the warm path.
    void hashing.then((hash) => identities.set(credential, hash));
    return hashing;
  }
  return identity;
}
