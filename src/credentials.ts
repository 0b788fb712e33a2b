// Resolving the configured credential (static or provider) and naming it without holding its secret.

import { hashText } from './encoding.ts';
import { CredentialProviderError } from './errors.ts';
import type { Credential, CredentialContext, CredentialProvider } from './types.ts';

export type CredentialsOption = Credential | CredentialProvider | undefined;

export async function resolveCredential(option: CredentialsOption, ctx: CredentialContext): Promise<Credential | undefined> {
  if (option === undefined) return undefined;
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
  if (value === undefined || value === null) return undefined;
  if (!isCredential(value)) {
    throw new CredentialProviderError(
      `The credential provider returned something that is not a credential for ${ctx.registry}; ` +
        'expected { username, password }, { refreshToken, username? } or { accessToken }.',
      ctx.registry,
    );
  }
  return value;
}

function isCredential(value: unknown): value is Credential {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (typeof v.username === 'string' && typeof v.password === 'string') return true;
  if (typeof v.refreshToken === 'string' && v.refreshToken !== '') return v.username === undefined || typeof v.username === 'string';
  return typeof v.accessToken === 'string' && v.accessToken !== '';
}

const identities = new WeakMap<Credential, Promise<string> | string>();

/** A stable name for a credential in cache keys: a hash, never the secret. */
export function credentialIdentity(credential: Credential | undefined): Promise<string> | string {
  if (credential === undefined) return 'anonymous';
  let identity = identities.get(credential);
  if (identity === undefined) {
    const text =
      'password' in credential
        ? `password\n${credential.username}\n${credential.password}`
        : 'refreshToken' in credential
          ? `refresh\n${credential.username ?? ''}\n${credential.refreshToken}`
          : `access\n${credential.accessToken}`;
    identity = hashText(text);
    identities.set(credential, identity);
    // Once known, hand out the plain string: no promise to await on the warm path.
    void identity.then((hash) => identities.set(credential, hash));
  }
  return identity;
}
