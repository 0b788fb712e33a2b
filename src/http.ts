// HTTP plumbing shared by registry and token requests: bounded body reads, origin rules, redirects.

import { OciAuthError } from './errors.ts';

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

const MAX_REDIRECTS = 20;

/** Browsers hide redirect targets (`opaqueredirect`) and strip Authorization across origins themselves. */
export const isBrowser: boolean =
  typeof (globalThis as { document?: unknown }).document !== 'undefined' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The registry's origin from `https://host`, `http://host:port` or `host[:port]` (https assumed). */
export function registryBaseUrl(registry: string | URL): URL {
  const text = registry instanceof URL ? registry.href : registry;
  return new URL(new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`).origin);
}

/** Secrets may travel over https, or over http to this machine only. */
export function isSecureForSecrets(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** Read a whole body, giving up past `maxBytes` (token endpoints, error pages and manifests can be huge). */
export async function readBytesLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

export async function readTextLimited(response: Response, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBytesLimited(response, maxBytes));
}

export class BodyTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

export interface RedirectPolicy {
  /** Called when a hop would carry the Authorization header to `next`; return false to drop it. */
  keepAuthorization(from: URL, next: URL): boolean;
}

/** Default: Authorization goes only to the same origin, never across origins or down to http. */
export const sameOriginOnly: RedirectPolicy = {
  keepAuthorization: (from, next) => from.origin === next.origin,
};

/**
 * fetch with redirects followed by hand, so that the Authorization header never reaches another origin
 * whatever fetch implementation is underneath. In browsers (which expose no redirect target) the
 * platform follows and strips the header itself, as the Fetch standard requires.
 */
export async function fetchFollowingRedirects(
  fetchImpl: FetchLike,
  url: URL,
  init: RequestInit,
  policy: RedirectPolicy = sameOriginOnly,
  /** The body itself holds a secret (an OAuth2 form): it never follows a redirect to another origin. */
  secretBody = false,
): Promise<Response> {
  const headers = new Headers(init.headers);
  // A browser would follow a 307 with the body wherever it points: refuse every redirect there.
  if (secretBody && isBrowser) return fetchImpl(url, { ...init, headers, redirect: 'error' });
  if ((!headers.has('authorization') && !secretBody) || isBrowser || (init.redirect && init.redirect !== 'follow')) {
    return fetchImpl(url, { ...init, headers });
  }
  let current = url;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const response = await fetchImpl(current, { ...init, method, body, headers, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || response.status === 304 || location === null) {
      return response;
    }
    if (response.type === 'opaqueredirect') return response; // cannot see the target: nothing safe to do
    if (hop >= MAX_REDIRECTS) {
      await response.body?.cancel().catch(() => {});
      throw new OciAuthError('TOO_MANY_REDIRECTS', `More than ${MAX_REDIRECTS} redirects starting at ${url.origin}${url.pathname}.`);
    }
    await response.body?.cancel().catch(() => {});
    const next = new URL(location, current);
    // Fetch standard §4.4: 303, and 301/302 after POST, become a GET without body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
      headers.delete('content-type');
      headers.delete('content-length');
    } else if (body instanceof ReadableStream || (secretBody && body != null && !policy.keepAuthorization(current, next))) {
      // A stream was consumed by the first hop and cannot be sent again; a secret form stays on its origin.
      return response;
    }
    if (headers.has('authorization') && !policy.keepAuthorization(current, next)) headers.delete('authorization');
    current = next;
  }
}
