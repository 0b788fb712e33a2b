// One registry call: send through the auth fetch, hand back the expected answers, turn the rest into
// RegistryError with the registry's own code.

import { parseChallenges, selectChallenge } from '../challenge.ts';
import { displayUrl, OciAuthError } from '../errors.ts';
import { BodyTooLargeError, discard, readBytesLimited } from '../http.ts';
import { causeOf } from '../token-client.ts';
import type { AuthFetch } from '../types.ts';
import { OciError, RegistryError } from './errors.ts';
import type { RegistryErrorCode, RegistryErrorEntry } from './errors.ts';

export interface Context {
  base: URL;
  fetch: AuthFetch;
  chunkSize: number;
  maxManifestBytes: number;
}

interface Call {
  /** Operation name, for errors. */
  operation: string;
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: BodyInit;
  signal?: AbortSignal | undefined;
  /** Statuses that are answers, not errors. */
  ok: readonly number[];
  /** The code a 404 without an error body means for this operation (a HEAD, a bare 404 page). */
  notFound?: RegistryErrorCode;
}

const MAX_ERROR_BODY = 64 * 1024;

export async function send(ctx: Context, call: Call): Promise<Response> {
  const init: RequestInit = { method: call.method };
  if (call.headers) init.headers = call.headers;
  if (call.body !== undefined) init.body = call.body;
  if (call.signal) init.signal = call.signal;
  let response: Response;
  try {
    response = await ctx.fetch(call.url, init);
  } catch (error) {
    // Our own errors, and the caller's abort, go as they are; a connection that failed is an OciError.
    if (error instanceof OciAuthError || call.signal?.aborted) throw error;
    throw new OciError(
      'NETWORK',
      `${call.operation} failed: ${call.url.host} could not be reached (${causeOf(error)}). Check the registry name, the network and DNS.`,
      { cause: error },
    );
  }
  if (call.ok.includes(response.status)) return response;
  throw await registryError(call, response);
}

/** Reads a body whole, refusing more than `max` bytes. */
export async function readBytes(response: Response, max: number, what: string): Promise<Uint8Array> {
  try {
    return await readBytesLimited(response, max);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new OciError('TOO_LARGE', `${what} is larger than the ${max} bytes allowed.`);
    throw error;
  }
}

export function concat(chunks: readonly Uint8Array[], size = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function statusCode(status: number, notFound: RegistryErrorCode | undefined): RegistryErrorCode {
  if (status === 404) return notFound ?? 'NAME_UNKNOWN';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 405) return 'UNSUPPORTED';
  if (status === 416) return 'RANGE_INVALID';
  if (status === 429) return 'TOOMANYREQUESTS';
  if (status === 503) return 'UNAVAILABLE';
  return 'UNKNOWN';
}

function parseErrors(text: string): RegistryErrorEntry[] {
  try {
    const json = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(json.errors)) return [];
    return json.errors
      .filter(
        (e): e is { code: string } =>
          !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string',
      )
      .map((e) => {
        const { code, message, detail } = e as { code: string; message?: unknown; detail?: unknown };
        return {
          code,
          ...(typeof message === 'string' ? { message } : {}),
          ...(detail !== undefined ? { detail } : {}),
        };
      });
  } catch {
    return [];
  }
}

function authErrorOf(response: Response): string | undefined {
  const header = response.headers.get('www-authenticate');
  if (response.status !== 401 || !header) return undefined;
  try {
    return selectChallenge(parseChallenges(header))?.params.error;
  } catch {
    return undefined;
  }
}

async function registryError(call: Call, response: Response): Promise<RegistryError> {
  let text = '';
  try {
    if (call.method !== 'HEAD')
      text = new TextDecoder().decode(await readBytes(response, MAX_ERROR_BODY, 'error body'));
  } catch {
    // an unreadable error body still makes an error
  }
  await discard(response);
  const errors = parseErrors(text);
  const code = errors[0]?.code ?? statusCode(response.status, call.notFound);
  const authError = authErrorOf(response);
  const said = errors[0]?.message ? `: ${errors[0].message}` : '';
  const hint =
    authError === 'insufficient_scope'
      ? " The token server did not grant the access this needs: check the account's rights on the repository."
      : response.status === 401
        ? ' The registry did not accept the credentials or token.'
        : '';
  const url = displayUrl(call.url);
  return new RegistryError(
    code,
    `${call.operation} failed: ${call.method} ${url} answered ${response.status} ${code}${said}.${hint}`,
    {
      status: response.status,
      operation: call.operation,
      method: call.method,
      url,
      errors,
      ...(authError ? { authError } : {}),
    },
  );
}
