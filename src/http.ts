// HTTP plumbing shared by registry and token requests: bounded body reads, origin rules, redirects.

import { displayUrl, OciAuthError } from './errors.ts';
import { redirected } from './request.ts';
import type { Outgoing } from './request.ts';

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

const MAX_REDIRECTS = 20;

/** Browsers hide redirect targets (`opaqueredirect`) and strip Authorization across origins themselves. */
export const isBrowser: boolean =
  typeof (globalThis as { document?: unknown }).document !== 'undefined' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

const noop = () => {};

/** Discard a body we will not read, so the connection can be reused. */
export const discard = (response: Response) => response.body?.cancel().catch(noop);

function isLoopbackHost(hostname: string): boolean {
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
  return new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
}

export async function readTextLimited(response: Response, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBytesLimited(response, maxBytes));
}

/**
 * Follows redirects by hand: `send` sends each hop (the caller authorizes it for its own host), `stop` may end the
 * chain at a hop (its response is then the answer). Browsers never get here: they hide redirect targets.
 */
export async function follow(
  out: Outgoing,
  send: (hop: Outgoing) => Promise<Response>,
  stop: (next: Outgoing, from: Outgoing) => boolean = () => false,
): Promise<Response> {
  const start = displayUrl(out.url);
  for (let hop = 0; ; hop++) {
    const response = await send(out);
    const next = redirected(response, out);
    if (!next || stop(next, out)) return response;
    await discard(response);
    if (hop >= MAX_REDIRECTS)
      throw new OciAuthError('TOO_MANY_REDIRECTS', `More than ${MAX_REDIRECTS} redirects starting at ${start}.`);
    out = next;
  }
}

/**
 * A token request, with redirects followed by hand so that credentials never reach another origin whatever fetch
 * is underneath: the Authorization header is dropped, and a body holding a secret (`secretBody`, an OAuth2 form)
 * never follows a redirect to another origin. In browsers the platform follows (stripping the header, as the
 * Fetch standard requires), and a secret form refuses every redirect.
 */
export function fetchFollowingRedirects(
  fetchImpl: FetchLike,
  url: URL,
  init: RequestInit,
  secretBody = false,
): Promise<Response> {
  if (isBrowser) return fetchImpl(url, secretBody ? { ...init, redirect: 'error' } : init);
  const start: Outgoing = { url, method: init.method ?? 'GET', init, replayable: true };
  return follow(
    start,
    (hop) => fetchImpl(hop.url, { ...hop.init, method: hop.method, redirect: 'manual' }),
    (next, from) => {
      if (next.url.origin === from.url.origin) return false;
      const headers = new Headers(next.init.headers);
      headers.delete('authorization');
      next.init = { ...next.init, headers };
      return secretBody && next.init.body != null;
    },
  );
}

/** Wait for a shared promise, but let this caller's signal end its own wait (not the shared work). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The object without its undefined fields: optional fields are absent, as the types document, not undefined. */
export function defined<T extends object>(object: T): T {
  for (const name in object) if (object[name] === undefined) delete object[name];
  return object;
}
