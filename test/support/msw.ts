// msw set-up for protocol tests: every request the SDK makes is recorded, in order, with its headers and body.

import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export const server = setupServer();
export const recorded: Recorded[] = [];
/** Body reads still under way (bodies are read from a clone, after the request has been recorded). */
const bodyReads = new Set<Promise<void>>();

/** Resolves once every recorded request's body has been read into `recorded`: await it before reading bodies. */
export async function bodiesRead(): Promise<void> {
  while (bodyReads.size > 0) await Promise.all(bodyReads);
}

export function useMsw(): void {
  beforeAll(() => {
    server.listen({ onUnhandledFrame: 'error' });
    server.events.on('request:start', ({ request }) => {
      const entry: Recorded = { method: request.method, url: request.url, headers: {}, body: '' };
      request.headers.forEach((value, name) => {
        entry.headers[name] = value;
      });
      recorded.push(entry);
      // Bodies are read from a clone so handlers still see them.
      if (request.body) {
        const read: Promise<void> = request
          .clone()
          .text()
          .then((text) => {
            entry.body = text;
          })
          .catch(() => {})
          .finally(() => bodyReads.delete(read));
        bodyReads.add(read);
      }
    });
  });
  afterEach(() => {
    server.resetHandlers();
    recorded.length = 0;
  });
  afterAll(() => server.close());
}

/** `METHOD url [authorization-scheme]` lines: compact exact assertions of a whole exchange. */
export function trace(): string[] {
  return recorded.map((r) => {
    const auth = r.headers.authorization;
    return `${r.method} ${r.url}${auth ? ` ${auth.split(' ')[0]}` : ''}`;
  });
}

export function bearer(challenge: { realm: string; service?: string; scope?: string; error?: string }): string {
  const parts = [`realm="${challenge.realm}"`];
  if (challenge.service !== undefined) parts.push(`service="${challenge.service}"`);
  if (challenge.scope !== undefined) parts.push(`scope="${challenge.scope}"`);
  if (challenge.error !== undefined) parts.push(`error="${challenge.error}"`);
  return `Bearer ${parts.join(',')}`;
}

export function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/** An unsigned JWT with the given claims (the SDK only reads claims). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}
