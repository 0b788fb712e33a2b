// Small helpers over node:http shared by the registry, token and storage servers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsOptions } from './types.ts';

export type Headers = Record<string, string>;

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Request headers as a record of lower-case names to raw values (repeated fields joined with ', '). */
export function headerRecord(req: IncomingMessage): Headers {
  const out: Headers = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/**
 * Sends a complete response with an exact Content-Length. For HEAD requests the body is not written but its
 * length is still announced (as registries do).
 */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Headers,
  body?: Uint8Array | string,
): void {
  const bytes = body === undefined ? new Uint8Array(0) : typeof body === 'string' ? Buffer.from(body) : body;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  const bodiless = status === 204 || status === 304;
  if (!bodiless && !res.hasHeader('content-length')) res.setHeader('Content-Length', String(bytes.byteLength));
  res.statusCode = status;
  if (req.method === 'HEAD' || bodiless) res.end();
  else res.end(bytes);
}

export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Headers = {},
): void {
  send(req, res, status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, JSON.stringify(value));
}

/** Distribution-style error body: {"errors":[{"code","message","detail"}]}. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  detail: unknown = null,
  headers: Headers = {},
): void {
  sendJson(req, res, status, { errors: [{ code, message, detail }] }, headers);
}

/** Decodes `Authorization: Basic …`; undefined when absent or malformed. Scheme is case-insensitive. */
export function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Quotes a value as an RFC 9110 quoted-string. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export const CORS_ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
export const CORS_ALLOW_HEADERS =
  'Authorization, Content-Type, Accept, Range, Content-Range, Content-Length, Content-Encoding, ' +
  'Docker-Content-Digest, If-None-Match, If-Match, OCI-Chunk-Min-Length';
const CORS_EXPOSE = [
  'Docker-Content-Digest',
  'Location',
  'Link',
  'Content-Length',
  'Range',
  'Docker-Upload-UUID',
  'Content-Range',
  'Docker-Distribution-API-Version',
  'OCI-Subject',
  'OCI-Filters-Applied',
];

/**
 * Adds the CORS response headers. `echoOrigin` answers with the request's Origin (used by the storage server,
 * which sees `Origin: null` after a cross-origin redirect).
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, cors: CorsOptions, echoOrigin = false): void {
  const origin = echoOrigin ? (req.headers.origin ?? '*') : cors.allowOrigin;
  res.setHeader('Access-Control-Allow-Origin', origin);
  if (origin !== '*') res.setHeader('Vary', 'Origin');
  const expose = cors.exposeWwwAuthenticate === false ? CORS_EXPOSE : ['WWW-Authenticate', ...CORS_EXPOSE];
  res.setHeader('Access-Control-Expose-Headers', expose.join(', '));
  if (cors.allowCredentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
}

/** Answers a CORS preflight (the CORS response headers must already be applied). */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  send(req, res, 204, {
    'Access-Control-Allow-Methods': CORS_ALLOW_METHODS,
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  });
}

/** RFC 3339 UTC with nine fractional digits, like the distribution token server (Go's time.RFC3339Nano-ish). */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
