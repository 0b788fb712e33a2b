// oci-auth-fetch/node: credentials from the files and helpers docker and podman use, and a token cache in a file.
// Node only.

export { dockerCredentials } from './docker-credentials.ts';
export type { DockerCredentialsOptions } from './docker-credentials.ts';
export { podmanCredentials } from './podman-auth.ts';
export type { PodmanCredentialsOptions } from './podman-auth.ts';
export { chainCredentials } from './chain.ts';
export { FileTokenCache } from './file-cache.ts';
export type { FileTokenCacheOptions } from './file-cache.ts';
export type { HelperOptions } from './options.ts';
export { CredentialConfigError, CredentialHelperError } from './errors.ts';
export type { CredentialHelperErrorDetails, CredentialHelperFailure } from './errors.ts';
export type { Credential, CredentialContext, CredentialProvider } from '../types.ts';
