// HTTP plumbing shared by registry and token requests: bounded body reads, origin rules, redirects.

import { OciAuthError } from './errors.ts';

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export const MAX_REDIRECTS = 20;

/** Browsers hide redirect targets (`opaqueredirect`) and strip Authorization across origins themselves. */
export const isBrowser: boolean =
  typeof (globalThis as { document?: unknown }).document !== 'undefined' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

export const noop = () => {};

/** Discard a body we will not read, so the connection can be reused. */
export const discard = (response: Response) => response.body?.cancel().catch(noop);

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The registry's origin from `https://host`, `http://host:port` or a bare `host[:port]`. A bare name means https,
 * except on this machine (`localhost`, 127.0.0.0/8, `[::1]`), where registries run over plain http.
 */
export function registryBaseUrl(registry: string | URL): URL {
  const text = String(registry);
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(text)) return new URL(new URL(text).origin);
  const bare = new URL(`https://${text}`);
  return new URL(`${isLoopbackHost(bare.hostname) ? 'http' : 'https'}://${bare.host}`);
}

/**
 * The one rule for where a secret (a password, a refresh or access token, Basic credentials) may go: over https;
 * over plain http only to this machine when the registry itself is plain http there (local development), or
 * wherever `allowInsecure` says. An https registry can never point a secret at plain http, loopback or not.
 */
export function maySendSecret(target: URL, registry: URL, allowInsecure: boolean): boolean {
  return (
    target.protocol === 'https:' ||
    allowInsecure ||
    (registry.protocol === 'http:' && target.protocol === 'http:' && isLoopbackHost(target.hostname))
  );
}

export class BodyTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/** Read a whole body, giving up past `maxBytes` (token endpoints, error pages and manifests can be huge). */
export async function readBytesLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  // The reader holds the body: cancelling through it is what closes the connection.
  const reader = response.body?.getReader();
  const tooLarge = async () => {
    await reader?.cancel().catch(noop);
    throw new BodyTooLargeError(maxBytes);
  };
  if (Number(response.headers.get('content-length')) > maxBytes) await tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) await tooLarge();
    chunks.push(chunk.value);
  }
  const all = new Uint8Array(size);
  size = 0;
  for (const chunk of chunks) {
    all.set(chunk, size);
    size += chunk.byteLength;
  }
  return all;
}

export async function readTextLimited(response: Response, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBytesLimited(response, maxBytes));
}

/**
 * fetch with redirects followed by hand, so that the Authorization header never reaches another origin
 * whatever fetch implementation is underneath. In browsers (which expose no redirect target) the
 * platform follows and strips the header itself, as the Fetch standard requires.
 * `secretBody`: the body itself holds a secret (an OAuth2 form); it never follows a redirect to another origin.
 */
export async function fetchFollowingRedirects(
  fetchImpl: FetchLike,
  url: URL,
  init: RequestInit,
  secretBody = false,
): Promise<Response> {
  const headers = new Headers(init.headers);
  // A browser would follow a 307 with the body wherever it points: refuse every redirect there.
  if (secretBody && isBrowser) return fetchImpl(url, { ...init, headers, redirect: 'error' });
  if ((!headers.has('authorization') && !secretBody) || isBrowser || (init.redirect ?? 'follow') !== 'follow') {
    return fetchImpl(url, { ...init, headers });
  }
  let current = url;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const response = await fetchImpl(current, { ...init, method, body, headers, redirect: 'manual' });
    const { status } = response;
    const location = response.headers.get('location');
    // Not a redirect, or one whose target a browser-like fetch hides (opaqueredirect): nothing to follow.
    if (status < 300 || status > 399 || status === 304 || location === null || response.type === 'opaqueredirect') {
      return response;
    }
    const next = new URL(location, current);
    const sameOrigin = current.origin === next.origin;
    // Fetch standard §4.4: 303, and 301/302 after POST, become a GET without body.
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
      headers.delete('content-type');
      headers.delete('content-length');
    } else if (body instanceof ReadableStream || (secretBody && body != null && !sameOrigin)) {
      // A stream was consumed by the first hop and cannot be sent again; a secret form stays on its origin.
      return response;
    }
    await discard(response);
    if (hop >= MAX_REDIRECTS) {
      throw new OciAuthError('TOO_MANY_REDIRECTS', `More than ${MAX_REDIRECTS} redirects starting at ${url.origin}${url.pathname}.`);
    }
    if (!sameOrigin) headers.delete('authorization');
    current = next;
  }
}
