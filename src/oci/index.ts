// oci-auth-fetch/oci: typed OCI distribution operations over the auth fetch. Browser-safe.

export { createOciClient } from './client.ts';
export { OciError, RegistryError, DigestMismatchError } from './errors.ts';
export type { OciClientErrorCode, RegistryErrorCode, RegistryErrorDetails, RegistryErrorEntry } from './errors.ts';
export { Sha256 } from './sha256.ts';
export { sha256Of } from './digest.ts';
export { nextLink } from './pagination.ts';
export {
  MANIFEST_ACCEPT,
  OCI_MANIFEST,
  OCI_INDEX,
  OCI_EMPTY,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  isIndexMediaType,
} from './media-types.ts';
export type {
  BlobDownload,
  BlobInfo,
  BlobSource,
  CallOptions,
  Descriptor,
  GetBlobOptions,
  ImageIndex,
  ImageManifest,
  ListOptions,
  Manifest,
  ManifestDescriptor,
  ManifestOptions,
  ManifestResult,
  OciClient,
  OciClientOptions,
  PingResult,
  Platform,
  PushBlobOptions,
  PushBlobResult,
  PutManifestOptions,
  PutManifestResult,
  ReferrersOptions,
  UploadProgress,
} from './types.ts';
