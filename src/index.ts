// oci-auth-fetch: the browser-safe entry point.

export { createAuthFetch } from './auth-fetch.ts';
export type { AuthFetchOptions } from './auth-fetch.ts';
export { createRegistryClient } from './client.ts';
export { registryBaseUrl } from './http.ts';
export type { RegistryClientOptions } from './client.ts';
export { parseChallenges, selectChallenge, formatChallenge } from './challenge.ts';
export { parseScope, formatScope, mergeScopes, scopeKey, scopesCover, scopesForRequest } from './scope.ts';
export type { Scope } from './scope.ts';
export { MemoryTokenCache } from './cache.ts';
export type { MemoryTokenCacheOptions } from './cache.ts';
export {
  OciAuthError,
  ChallengeParseError,
  ScopeParseError,
  TokenRequestError,
  TokenResponseError,
  InsecureRealmError,
  CredentialProviderError,
} from './errors.ts';
export type { OciAuthErrorCode, TokenRequestErrorDetails } from './errors.ts';
export type {
  AuthEvent,
  AuthFetch,
  AccessTokenCredential,
  CachedToken,
  Challenge,
  Credential,
  CredentialContext,
  CredentialProvider,
  EventListener,
  GrantKind,
  PasswordCredential,
  RefreshTokenCredential,
  RegistryRecord,
  TokenCache,
} from './types.ts';
