// Public types of the operations layer: OCI content shapes, results and per-call options.

import type { AuthFetchOptions } from '../auth-fetch.ts';
import type { AuthFetch } from '../types.ts';

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** A content descriptor (OCI image spec). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  data?: string;
}

/** An OCI image manifest or a Docker schema 2 manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index or a Docker manifest list. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type Manifest = ImageManifest | ImageIndex;

export interface OciClientOptions extends AuthFetchOptions {
  /** The registry: `https://registry.example`, `http://127.0.0.1:5000`, or `host[:port]` (https). */
  registry: string | URL;
  /** Share an auth fetch (and its token cache and known registries); the auth options are then unused. */
  authFetch?: AuthFetch;
  /** Upload chunk size in bytes; data that fits in one chunk is uploaded in one PUT. Default 8 MiB. */
  chunkSize?: number;
  /** Largest manifest read. Default 4 MiB (the OCI distribution spec's recommended limit). */
  maxManifestBytes?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ManifestOptions extends CallOptions {
  /** Media types to accept, instead of every OCI and Docker manifest and index type. */
  accept?: string[];
}

export interface PingResult {
  /** `Docker-Distribution-API-Version`, when the registry sends it (`registry/2.0`). */
  apiVersion: string | undefined;
}

/** What a manifest's HEAD tells. */
export interface ManifestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ManifestResult extends ManifestDescriptor {
  /** The manifest exactly as served: push these bytes to copy it without changing its digest. */
  bytes: Uint8Array;
  manifest: Manifest;
}

export interface PutManifestOptions extends CallOptions {
  /** Content-Type; default the manifest's own `mediaType`. */
  mediaType?: string;
}

export interface PutManifestResult {
  digest: string;
  /** Where the registry says the manifest lives, resolved. */
  location: string | undefined;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface GetBlobOptions extends CallOptions {
  /** Expected size (a descriptor's): a blob of any other size fails with SIZE_MISMATCH. */
  size?: number;
}

export interface BlobDownload {
  digest: string;
  /** From the descriptor (`size` option) or Content-Length; undefined when neither says. */
  size: number | undefined;
  /**
   * The blob's bytes. The stream errors at its end with DigestMismatchError when they do not hash to the
   * digest, so nothing read from it counts until it has closed cleanly.
   */
  stream: ReadableStream<Uint8Array>;
  /** Reads the whole stream (verified). */
  bytes(): Promise<Uint8Array>;
}

export interface UploadProgress {
  /** Bytes the registry has acknowledged. */
  transferred: number;
  /** Total size when known up front. */
  total: number | undefined;
}

export type BlobSource =
  | Uint8Array
  | ArrayBuffer
  | string
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

export interface PushBlobOptions extends CallOptions {
  /** Expected digest: required to mount a stream; checked against the content before the upload completes. */
  digest?: string;
  /** Expected size: checked against the content. */
  size?: number;
  /** Try a cross-repository mount from this repository (same registry) before uploading. */
  from?: string;
  /** Called after each acknowledged chunk, and once when done. */
  onProgress?: (progress: UploadProgress) => void;
  /** Overrides the client's chunk size for this upload. */
  chunkSize?: number;
}

export interface PushBlobResult extends BlobInfo {
  /** True when the registry linked an existing blob (cross-repository mount): no bytes were sent. */
  mounted: boolean;
}

export interface ListOptions extends CallOptions {
  /** Page size (`n`); the registry's own default when absent. */
  pageSize?: number;
  /** Start after this entry (`last`). */
  last?: string;
}

export interface ReferrersOptions extends CallOptions {
  /** Only referrers of this artifact type (filtered here when the registry does not). */
  artifactType?: string;
}

export interface OciClient {
  /** The registry origin. */
  readonly registry: URL;
  /** The auth fetch underneath (share it with another client, or send your own requests). */
  readonly fetch: AuthFetch;
  ping(options?: CallOptions): Promise<PingResult>;
  getManifest(repository: string, reference: string, options?: ManifestOptions): Promise<ManifestResult>;
  /** Undefined when the manifest does not exist. */
  headManifest(
    repository: string,
    reference: string,
    options?: ManifestOptions,
  ): Promise<ManifestDescriptor | undefined>;
  putManifest(
    repository: string,
    reference: string,
    manifest: Manifest | Uint8Array | string,
    options?: PutManifestOptions,
  ): Promise<PutManifestResult>;
  deleteManifest(repository: string, reference: string, options?: CallOptions): Promise<void>;
  getBlob(repository: string, digest: string, options?: GetBlobOptions): Promise<BlobDownload>;
  /** Undefined when the blob does not exist in the repository. */
  headBlob(repository: string, digest: string, options?: CallOptions): Promise<BlobInfo | undefined>;
  deleteBlob(repository: string, digest: string, options?: CallOptions): Promise<void>;
  pushBlob(repository: string, data: BlobSource, options?: PushBlobOptions): Promise<PushBlobResult>;
  /** Every tag, following `Link` pages. */
  listTags(repository: string, options?: ListOptions): Promise<string[]>;
  /** Page by page, following `Link`. */
  tagPages(repository: string, options?: ListOptions): AsyncGenerator<string[], void, undefined>;
  /** Every repository name, following `Link` pages. */
  catalog(options?: ListOptions): Promise<string[]>;
  catalogPages(options?: ListOptions): AsyncGenerator<string[], void, undefined>;
  /** Manifests whose `subject` is `digest`: the referrers API, else the `sha256-<hex>` tag schema. */
  referrers(repository: string, digest: string, options?: ReferrersOptions): Promise<Descriptor[]>;
}
