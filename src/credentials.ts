// Resolving the configured credential (static or provider) and naming it without holding its secret.

import { hashText } from './encoding.ts';
import { CredentialProviderError } from './errors.ts';
import type { Credential, CredentialContext, CredentialProvider } from './types.ts';

export type CredentialsOption = Credential | CredentialProvider | undefined;

const isString = (value: unknown): value is string => typeof value === 'string';

function isCredential(value: unknown): value is Credential {
  const v = Object(value) as Record<string, unknown>;
  return (
    (isString(v.username) && isString(v.password)) ||
    (!!v.refreshToken && isString(v.refreshToken) && (v.username === undefined || isString(v.username))) ||
    (!!v.accessToken && isString(v.accessToken))
  );
}

export async function resolveCredential(option: CredentialsOption, ctx: CredentialContext): Promise<Credential | undefined> {
  if (typeof option !== 'function') return option;
  let value: unknown;
  try {
    value = await option(ctx);
  } catch (error) {
    if (error instanceof CredentialProviderError) throw error;
    throw new CredentialProviderError(
      `The credential provider failed for ${ctx.registry}: ${error instanceof Error ? error.name : 'non-error thrown'}. ` +
        'Check the provider (its message is not repeated here in case it holds a secret).',
      ctx.registry,
      { cause: error },
    );
  }
  if (value == null) return undefined;
  if (!isCredential(value)) {
    throw new CredentialProviderError(
      `The credential provider returned something that is not a credential for ${ctx.registry}; ` +
        'expected { username, password }, { refreshToken, username? } or { accessToken }.',
      ctx.registry,
    );
  }
  return value;
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
