// An msw stand-in for a registry that needs no auth: each test answers requests itself, and every request is
// kept whole (method, URL, headers, body bytes) for exact assertions.
import { createHash } from 'node:crypto';
import { http } from 'msw';
import { createOciClient } from '../../src/oci/index.ts';
import type { OciClient, OciClientOptions } from '../../src/oci/index.ts';
import { server } from '../support/msw.ts';

export const REG = 'https://registry.test';

export interface Seen {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export const sha256 = (bytes: Uint8Array | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Routes every request to `answer`; returns the requests seen, in order. */
export function registry(answer: (req: Seen, index: number) => Response | Promise<Response>): Seen[] {
  const seen: Seen[] = [];
  server.use(
    http.all(`${REG}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const entry: Seen = {
        method: request.method,
        path: url.pathname + url.search,
        headers,
        body: new Uint8Array(await request.arrayBuffer()),
      };
      seen.push(entry);
      return answer(entry, seen.length - 1);
    }),
  );
  return seen;
}

export function client(extra: Partial<OciClientOptions> = {}): OciClient {
  return createOciClient({ registry: REG, ...extra });
}

export const lines = (seen: Seen[]): string[] => seen.map((s) => `${s.method} ${s.path}`);

export function errorBody(code: string, message: string, detail: unknown = null): string {
  return JSON.stringify({ errors: [{ code, message, detail }] });
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
