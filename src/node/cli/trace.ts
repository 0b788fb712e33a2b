// -v: one block per round trip (`> request`, `< response`) and one `*` line per SDK event, all redacted.

import type { AuthEvent } from '../../index.ts';
import { safeHeader, safeUrl } from './redact.ts';
import type { Secrets } from './redact.ts';

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Where -v lines go (stderr); a no-op without -v. Each line is redacted before it is written. */
export type TraceLog = (line: string) => void;

function requestOf(
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): { url: URL; method: string; headers: Headers } {
  if (input instanceof Request) {
    return {
      url: new URL(input.url),
      method: (init?.method ?? input.method).toUpperCase(),
      headers: new Headers(init?.headers ?? input.headers),
    };
  }
  return {
    url: new URL(input instanceof URL ? input.href : String(input)),
    method: (init?.method ?? 'GET').toUpperCase(),
    headers: new Headers(init?.headers),
  };
}

/**
 * Wraps the fetch underneath the SDK: every request it makes (registry, realm, storage) is traced, and every
 * Authorization value it sends is added to `secrets`, so that no later output can show it.
 */
export function tracingFetch(base: FetchLike, log: TraceLog, secrets: Secrets): FetchLike {
  return async (input, init) => {
    const { url, method, headers } = requestOf(input, init);
    const authorization = headers.get('authorization');
    if (authorization !== null) secrets.addAuthorization(authorization);
    log(`> ${method} ${safeUrl(url)}`);
    for (const [name, value] of headers) log(`> ${name}: ${safeHeader(name, value, url)}`);
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      log(`! ${method} ${safeUrl(url)} failed`);
      throw error;
    }
    log(`< ${response.status} ${response.statusText}`.trimEnd());
    if (response.redirected && response.url) log(`< (redirected to ${safeUrl(new URL(response.url))})`);
    for (const [name, value] of response.headers) log(`< ${name}: ${safeHeader(name, value, url)}`);
    return response;
  };
}

function formatValue(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return JSON.stringify(`${value.name}${typeof code === 'string' ? ` ${code}` : ''}: ${value.message}`);
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`;
  if (typeof value === 'string') return value !== '' && !/[\s"[\]]/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

/** `* token source=fetched registry=… scopes=[repository:team/app:pull] grant=basic expiresIn=300` */
export function formatEvent(event: AuthEvent): string {
  const { type, ...fields } = event;
  const parts = Object.entries(fields).map(([name, value]) => `${name}=${formatValue(value)}`);
  return `* ${type} ${parts.join(' ')}`;
}
