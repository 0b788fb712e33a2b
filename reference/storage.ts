// In-memory content store: blobs shared by digest, linked per repository; manifests and tags per repository.
import { createHash, randomUUID } from 'node:crypto';

export interface StoredManifest {
  digest: string;
  bytes: Uint8Array;
  contentType: string;
  /** `subject.digest`, for the referrers API. */
  subject?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface Repository {
  blobs: Set<string>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
}

export interface Upload {
  uuid: string;
  repository: string;
  chunks: Uint8Array[];
  size: number;
}

const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const HASHES: Record<string, { node: string; hexLength: number }> = {
  sha256: { node: 'sha256', hexLength: 64 },
  sha512: { node: 'sha512', hexLength: 128 },
};

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** True when `digest` is well formed with a supported algorithm. */
export function isDigest(digest: string): boolean {
  const m = DIGEST_RE.exec(digest);
  const hash = m ? HASHES[m[1]!] : undefined;
  return hash !== undefined && m![2]!.length === hash.hexLength && /^[a-f0-9]+$/.test(m![2]!);
}

/** True when `bytes` hash to `digest` (sha256 or sha512). */
export function digestMatches(digest: string, bytes: Uint8Array): boolean {
  if (!isDigest(digest)) return false;
  const [algo, hex] = digest.split(':') as [string, string];
  return createHash(HASHES[algo]!.node).update(bytes).digest('hex') === hex;
}

export class Storage {
  blobs = new Map<string, Uint8Array>();
  repositories = new Map<string, Repository>();
  uploads = new Map<string, Upload>();

  private repo(name: string, create: boolean): Repository | undefined {
    let repo = this.repositories.get(name);
    if (!repo && create) {
      repo = { blobs: new Set(), manifests: new Map(), tags: new Map() };
      this.repositories.set(name, repo);
    }
    return repo;
  }

  /** Repository names holding anything, sorted. */
  repositoryNames(): string[] {
    return [...this.repositories.entries()]
      .filter(([, r]) => r.blobs.size > 0 || r.manifests.size > 0)
      .map(([n]) => n)
      .sort();
  }

  hasRepository(name: string): boolean {
    return this.repositoryNames().includes(name);
  }

  // Blobs

  putBlob(repository: string, digest: string, bytes: Uint8Array): void {
    this.blobs.set(digest, bytes);
    this.repo(repository, true)!.blobs.add(digest);
  }

  getBlob(repository: string, digest: string): Uint8Array | undefined {
    return this.repo(repository, false)?.blobs.has(digest) ? this.blobs.get(digest) : undefined;
  }

  /** Global lookup by digest, regardless of repository (for the storage server). */
  getBlobBytes(digest: string): Uint8Array | undefined {
    return this.blobs.get(digest);
  }

  linkBlob(repository: string, digest: string): void {
    this.repo(repository, true)!.blobs.add(digest);
  }

  deleteBlob(repository: string, digest: string): boolean {
    return this.repo(repository, false)?.blobs.delete(digest) ?? false;
  }

  // Uploads

  startUpload(repository: string): Upload {
    const upload: Upload = { uuid: randomUUID(), repository, chunks: [], size: 0 };
    this.uploads.set(upload.uuid, upload);
    return upload;
  }

  getUpload(repository: string, uuid: string): Upload | undefined {
    const upload = this.uploads.get(uuid);
    return upload?.repository === repository ? upload : undefined;
  }

  appendUpload(upload: Upload, chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    upload.chunks.push(chunk);
    upload.size += chunk.byteLength;
  }

  uploadBytes(upload: Upload): Uint8Array {
    return new Uint8Array(Buffer.concat(upload.chunks));
  }

  endUpload(uuid: string): void {
    this.uploads.delete(uuid);
  }

  // Manifests and tags

  putManifest(repository: string, manifest: StoredManifest, tag?: string): void {
    const repo = this.repo(repository, true)!;
    repo.manifests.set(manifest.digest, manifest);
    if (tag !== undefined) repo.tags.set(tag, manifest.digest);
  }

  /** By tag or digest. */
  getManifest(repository: string, reference: string): StoredManifest | undefined {
    const repo = this.repo(repository, false);
    if (!repo) return undefined;
    const digest = reference.includes(':') ? reference : repo.tags.get(reference);
    return digest === undefined ? undefined : repo.manifests.get(digest);
  }

  /** By digest: the manifest and every tag pointing at it; by tag: the tag only. */
  deleteManifest(repository: string, reference: string): boolean {
    const repo = this.repo(repository, false);
    if (!repo) return false;
    if (!reference.includes(':')) return repo.tags.delete(reference);
    if (!repo.manifests.delete(reference)) return false;
    for (const [tag, digest] of repo.tags) if (digest === reference) repo.tags.delete(tag);
    return true;
  }

  tags(repository: string): string[] {
    return [...(this.repo(repository, false)?.tags.keys() ?? [])].sort();
  }

  referrers(repository: string, subject: string): StoredManifest[] {
    const repo = this.repo(repository, false);
    if (!repo) return [];
    return [...repo.manifests.values()].filter((m) => m.subject === subject);
  }
}
