// The "object storage" that blob GETs redirect to (blobRedirect): serves pre-signed URLs, S3 style.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './context.ts';
import { send } from './http-util.ts';
import { sendBytes, storageSignature } from './registry-api.ts';

function s3Error(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  send(req, res, status, { 'Content-Type': 'application/xml' }, xml);
}

export async function handleStorageRequest(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const m = /^\/blobs\/([^/]+)$/.exec(url.pathname);
  if (!m || (req.method !== 'GET' && req.method !== 'HEAD'))
    return s3Error(req, res, 404, 'NoSuchKey', 'The specified key does not exist.');
  const digest = m[1]!;
  // Like S3 with a pre-signed URL: a second auth mechanism (a leaked registry token) is refused.
  if (req.headers.authorization !== undefined) {
    return s3Error(
      req,
      res,
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (url.searchParams.get('sig') !== storageSignature(ctx, digest)) {
    return s3Error(req, res, 403, 'AccessDenied', 'Request signature does not match.');
  }
  const bytes = ctx.storage.getBlobBytes(digest);
  if (!bytes) return s3Error(req, res, 404, 'NoSuchKey', 'The specified key does not exist.');
  sendBytes(req, res, bytes, { ETag: `"${digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 33)}"` });
}
