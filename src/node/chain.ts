// Several providers tried in order.

import type { Credential, CredentialContext, CredentialProvider } from '../types.ts';

/** The first provider that answers (not undefined) wins; a provider's error stops the chain and propagates. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return async (ctx: CredentialContext): Promise<Credential | undefined> => {
    for (const provider of providers) {
      const credential = await provider(ctx);
      if (credential !== undefined && credential !== null) return credential;
    }
    return undefined;
  };
}
