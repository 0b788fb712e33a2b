// The distribution API routes: /v2/, manifests, blobs, uploads, tags, catalog, referrers.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './context.ts';
import { readBody, send, sendError, sendJson } from './http-util.ts';
import type { Headers } from './http-util.ts';
import { NAME_RE } from './policy.ts';
import { authorize } from './registry-auth.ts';
import type { AccessCheck, Granted, Need } from './registry-auth.ts';
import { digestMatches, isDigest, sha256Digest } from './storage.ts';
import type { StoredManifest, Upload } from './storage.ts';

type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'upload'; name: string; uuid: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string };

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

// Tried in order: an upload path would also match the blob pattern.
const ROUTES: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/uploads(?:\/([^/]*))?$/, (m) => ({ kind: 'upload', name: m[1]!, uuid: m[2] ?? '' })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1]!, digest: m[2]! })],
];

function matchRoute(path: string): Route | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  for (const [pattern, route] of ROUTES) {
    const m = pattern.exec(path);
    if (m) return route(m);
  }
  return undefined;
}

/** Actions a method needs on a repository, as distribution infers them. */
function methodActions(method: string): string[] {
  if (method === 'GET' || method === 'HEAD') return ['pull'];
  if (method === 'DELETE') return ['delete'];
  return ['pull', 'push'];
}

const ALLOWED_METHODS: Record<Route['kind'], string[]> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET', 'HEAD'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  upload: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  tags: ['GET', 'HEAD'],
  referrers: ['GET', 'HEAD'],
};

export async function handleRegistryRequest(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'GET';
  const route = matchRoute(url.pathname);
  if (!route) return sendError(req, res, 404, 'NOT_FOUND', 'no such route', { path: url.pathname });
  if (!ALLOWED_METHODS[route.kind].includes(method)) {
    return sendError(req, res, 405, 'UNSUPPORTED', 'the operation is unsupported', null, {
      Allow: ALLOWED_METHODS[route.kind].join(', '),
    });
  }
  if ('name' in route && !NAME_RE.test(route.name)) {
    return sendError(req, res, 400, 'NAME_INVALID', 'invalid repository name', { name: route.name });
  }

  if (route.kind === 'base') {
    if (ctx.mode !== 'django-oci' && !authorize(ctx, req, res, { needs: [] })) return;
    return sendJson(req, res, 200, {});
  }
  if (route.kind === 'catalog') {
    if (!authorize(ctx, req, res, { needs: [{ type: 'registry', name: 'catalog', actions: ['*'] }] })) return;
    return paginate(req, res, url, '/v2/_catalog', 'repositories', ctx.storage.repositoryNames(), {});
  }

  const need: Need = { type: 'repository', name: route.name, actions: methodActions(method) };
  const check: AccessCheck = {
    needs: [need],
    publicRead: (method === 'GET' || method === 'HEAD') && ctx.policy.isPublic(route.name),
  };
  const from = url.searchParams.get('from');
  const mounting =
    route.kind === 'upload' &&
    method === 'POST' &&
    url.searchParams.has('mount') &&
    from !== null &&
    NAME_RE.test(from);
  if (mounting) check.optional = [{ type: 'repository', name: from, actions: ['pull'] }];
  const granted = authorize(ctx, req, res, check);
  if (!granted) return;
  if (
    ctx.redirectTo &&
    (route.kind === 'manifest' || route.kind === 'blob') &&
    (method === 'GET' || method === 'HEAD')
  ) {
    // A front for another registry (registry.k8s.io sends pulls to a regional registry this way).
    res.writeHead(307, { Location: `${ctx.redirectTo}${url.pathname}${url.search}`, 'Content-Length': '0' });
    return void res.end();
  }

  switch (route.kind) {
    case 'manifest':
      return manifest(ctx, req, res, route.name, route.reference);
    case 'blob':
      return blob(ctx, req, res, route.name, route.digest);
    case 'upload':
      return upload(ctx, req, res, url, route.name, route.uuid, granted);
    case 'tags':
      if (!ctx.storage.hasRepository(route.name)) {
        return sendError(req, res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: route.name });
      }
      return paginate(req, res, url, `/v2/${route.name}/tags/list`, 'tags', ctx.storage.tags(route.name), {
        name: route.name,
      });
    case 'referrers':
      return referrers(ctx, req, res, url, route.name, route.digest);
  }
}

/** `n` / `last` pagination with a `Link: <…?n=N&last=X>; rel="next"` header when more remain. */
function paginate(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
  field: string,
  all: string[],
  extra: Record<string, unknown>,
): void {
  const last = url.searchParams.get('last');
  let items = last === null ? all : all.filter((x) => x > last);
  const nRaw = url.searchParams.get('n');
  const headers: Headers = {};
  if (nRaw !== null) {
    const n = Number(nRaw);
    if (!/^\d+$/.test(nRaw) || !Number.isSafeInteger(n)) {
      return sendError(req, res, 400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n: nRaw });
    }
    if (items.length > n && n > 0) {
      items = items.slice(0, n);
      headers.Link = `<${path}?n=${n}&last=${encodeURIComponent(items[items.length - 1]!)}>; rel="next"`;
    } else {
      items = items.slice(0, n);
    }
  }
  sendJson(req, res, 200, { ...extra, [field]: items }, headers);
}

// Manifests

async function manifest(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  reference: string,
): Promise<void> {
  const byDigest = reference.includes(':');
  if (byDigest ? !isDigest(reference) : !TAG_RE.test(reference)) {
    return byDigest
      ? sendError(req, res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', {
          digest: reference,
        })
      : sendError(req, res, 400, 'TAG_INVALID', 'manifest tag did not match URI', { tag: reference });
  }
  const method = req.method;
  if (method === 'PUT') return putManifest(ctx, req, res, name, reference, byDigest);
  if (method === 'DELETE') {
    if (!ctx.storage.deleteManifest(name, reference)) return manifestUnknown(req, res, reference);
    return send(req, res, 202, {});
  }
  const found = ctx.storage.getManifest(name, reference);
  if (!found) return manifestUnknown(req, res, reference);
  send(
    req,
    res,
    200,
    { 'Content-Type': found.contentType, 'Docker-Content-Digest': found.digest, ETag: `"${found.digest}"` },
    found.bytes,
  );
}

function manifestUnknown(req: IncomingMessage, res: ServerResponse, reference: string): void {
  sendError(req, res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', { reference });
}

interface ManifestJson {
  mediaType?: unknown;
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  subject?: { digest?: unknown };
  annotations?: unknown;
}

async function putManifest(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  reference: string,
  byDigest: boolean,
): Promise<void> {
  const bytes = await readBody(req);
  if (byDigest && !digestMatches(reference, bytes)) {
    return sendError(req, res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', {
      digest: reference,
    });
  }
  let json: ManifestJson;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8')) as ManifestJson;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
  } catch {
    return sendError(req, res, 400, 'MANIFEST_INVALID', 'manifest invalid', { reason: 'not a JSON object' });
  }
  const digest = byDigest ? reference : sha256Digest(bytes);
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const contentType = str(req.headers['content-type']) ?? str(json.mediaType) ?? OCI_MANIFEST;
  const stored: StoredManifest = { digest, bytes, contentType };
  const subject = str(json.subject?.digest);
  if (subject) stored.subject = subject;
  const artifactType = str(json.artifactType) ?? str(json.config?.mediaType);
  if (artifactType) stored.artifactType = artifactType;
  if (json.annotations && typeof json.annotations === 'object')
    stored.annotations = json.annotations as Record<string, string>;
  ctx.storage.putManifest(name, stored, byDigest ? undefined : reference);
  const headers: Headers = { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (subject) headers['OCI-Subject'] = subject;
  send(req, res, 201, headers);
}

async function referrers(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  name: string,
  digest: string,
): Promise<void> {
  if (!isDigest(digest)) return sendError(req, res, 400, 'DIGEST_INVALID', 'invalid digest', { digest });
  const filter = url.searchParams.get('artifactType');
  let found = ctx.storage.referrers(name, digest);
  const headers: Headers = { 'Content-Type': OCI_INDEX };
  if (filter !== null) {
    found = found.filter((m) => m.artifactType === filter);
    headers['OCI-Filters-Applied'] = 'artifactType';
  }
  const manifests = found.map((m) => ({
    mediaType: m.contentType,
    digest: m.digest,
    size: m.bytes.byteLength,
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  }));
  send(req, res, 200, headers, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}

// Blobs

/** Signed storage URL the blob GET redirects to. */
export function storageSignature(ctx: Context, digest: string): string {
  return createHmac('sha256', ctx.storageSecret).update(digest).digest('hex').slice(0, 32);
}

function blob(ctx: Context, req: IncomingMessage, res: ServerResponse, name: string, digest: string): void {
  if (!isDigest(digest)) return sendError(req, res, 400, 'DIGEST_INVALID', 'invalid digest', { digest });
  const bytes = ctx.storage.getBlob(name, digest);
  if (!bytes) return sendError(req, res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest });
  if (req.method === 'DELETE') {
    ctx.storage.deleteBlob(name, digest);
    return send(req, res, 202, {});
  }
  if (req.method === 'GET' && ctx.storageUrl) {
    const location = `${ctx.storageUrl}/blobs/${digest}?sig=${storageSignature(ctx, digest)}`;
    return send(req, res, 307, { Location: location, 'Docker-Content-Digest': digest });
  }
  sendBytes(req, res, bytes, { 'Docker-Content-Digest': digest });
}

/** Sends blob bytes, honouring a single `Range: bytes=a-b` (206) as object stores do. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, extra: Headers): void {
  const headers: Headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ...extra };
  const range = req.headers.range;
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (range && m && (m[1] || m[2])) {
    const total = bytes.byteLength;
    const start = m[1] ? Number(m[1]) : Math.max(0, total - Number(m[2]));
    const end = m[1] ? (m[2] ? Math.min(Number(m[2]), total - 1) : total - 1) : total - 1;
    if (start >= total || start > end) {
      return send(req, res, 416, { ...headers, 'Content-Range': `bytes */${total}` });
    }
    headers['Content-Range'] = `bytes ${start}-${end}/${total}`;
    return send(req, res, 206, headers, bytes.subarray(start, end + 1));
  }
  send(req, res, 200, headers, bytes);
}

// Uploads

/**
 * Location of an upload session. Distribution: an absolute path. django-oci: a path-relative reference
 * (no leading slash) that resolves against the request URL to `/v2/<name>/blobs/uploads/<uuid>`:
 * `<uuid>` when the request path ends in `/uploads/` or `/uploads/<uuid>`, `uploads/<uuid>` after `/uploads`.
 */
function uploadLocation(ctx: Context, url: URL, name: string, uuid: string): string {
  if (ctx.mode !== 'django-oci') return `/v2/${name}/blobs/uploads/${uuid}`;
  return url.pathname.endsWith('/uploads') ? `uploads/${uuid}` : uuid;
}

const rangeOf = (u: Upload): string => `0-${Math.max(0, u.size - 1)}`;

function sessionHeaders(ctx: Context, url: URL, name: string, u: Upload): Headers {
  return { Location: uploadLocation(ctx, url, name, u.uuid), Range: rangeOf(u), 'Docker-Upload-UUID': u.uuid };
}

function blobCreated(req: IncomingMessage, res: ServerResponse, name: string, digest: string): void {
  send(req, res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

function digestInvalid(req: IncomingMessage, res: ServerResponse, digest: string | null): void {
  sendError(req, res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { digest });
}

async function upload(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  name: string,
  uuid: string,
  granted: Granted,
): Promise<void> {
  const method = req.method;
  const storage = ctx.storage;
  if (method === 'POST') {
    if (uuid !== '') return sendError(req, res, 405, 'UNSUPPORTED', 'the operation is unsupported');
    if (ctx.mode === 'django-oci' && req.headers['content-length'] === undefined) {
      // django-oci reads int(request.META["CONTENT_LENGTH"]) and crashes.
      return send(req, res, 500, { 'Content-Type': 'text/html; charset=utf-8' }, '<h1>Server Error (500)</h1>');
    }
    const body = await readBody(req);
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (
      mount !== null &&
      from !== null &&
      isDigest(mount) &&
      NAME_RE.test(from) &&
      granted.allows('repository', from, 'pull')
    ) {
      if (storage.getBlob(from, mount)) {
        storage.linkBlob(name, mount);
        return blobCreated(req, res, name, mount);
      }
    }
    const digest = url.searchParams.get('digest');
    if (digest !== null) {
      if (!digestMatches(digest, body)) return digestInvalid(req, res, digest);
      storage.putBlob(name, digest, body);
      return blobCreated(req, res, name, digest);
    }
    const session = storage.startUpload(name);
    return send(req, res, 202, sessionHeaders(ctx, url, name, session));
  }

  const session = uuid === '' ? undefined : storage.getUpload(name, uuid);
  if (!session) return sendError(req, res, 404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { uuid });

  if (method === 'GET') return send(req, res, 204, sessionHeaders(ctx, url, name, session));
  if (method === 'DELETE') {
    storage.endUpload(session.uuid);
    return send(req, res, 204, {});
  }
  const contentRange = req.headers['content-range'];
  if (contentRange !== undefined) {
    const m = /^(?:bytes )?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(contentRange.trim());
    if (!m || Number(m[1]) !== session.size) {
      return send(req, res, 416, sessionHeaders(ctx, url, name, session));
    }
  }
  const body = await readBody(req);
  storage.appendUpload(session, body);
  if (method === 'PATCH') return send(req, res, 202, sessionHeaders(ctx, url, name, session));

  // PUT: complete.
  const digest = url.searchParams.get('digest');
  const bytes = storage.uploadBytes(session);
  storage.endUpload(session.uuid);
  if (digest === null || !digestMatches(digest, bytes)) return digestInvalid(req, res, digest);
  storage.putBlob(name, digest, bytes);
  blobCreated(req, res, name, digest);
}
