// Token requests as a page makes them: a realm on another origin that fails the way one without CORS headers fails
// gets an error naming the headers it must send; a POST with the credentials' form may not follow a redirect, a GET
// may. Whether the SDK runs in a page is decided when it loads, so this file gives the globals a page has (a
// `document`, a `location`) before loading it; each test file has its own globals and modules.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.ts';

const PAGE = 'https://ui.example';
let sdk: typeof Sdk;

beforeAll(async () => {
  Object.assign(globalThis, { document: {}, location: new URL(`${PAGE}/registry/`) });
  sdk = await import('../../src/index.ts');
});
afterAll(() => {
  delete (globalThis as { document?: unknown }).document;
  delete (globalThis as { location?: unknown }).location;
});

const manifest = 'https://registry.test/v2/team/app/manifests/latest';

/**
 * A registry whose challenge names `realm` (and shows it, as a registry that exposes WWW-Authenticate does), and a
 * realm that answers `answer(request, init)`.
 */
function page(realm: string, answer: (request: Request, init: RequestInit) => Response) {
  const realmInits: RequestInit[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request = new Request(input, init);
    if (request.url.startsWith(realm)) {
      realmInits.push(init);
      return answer(request, init);
    }
    return request.headers.get('authorization') === 'Bearer tok-ok'
      ? new Response('ok')
      : new Response(null, {
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="${realm}",service="registry.test"` },
        });
  };
  return { fetch, realmInits };
}
const unreachable = () => {
  throw new TypeError('Failed to fetch');
};

describe('a realm that cannot be reached from a page', () => {
  const reached = (realmCredentials?: RequestCredentials) =>
    `The token endpoint https://auth.test/token could not be reached (Failed to fetch). Check the network and DNS. ` +
    `In a page, a realm without CORS fails this way: it needs "Access-Control-Allow-Origin: ${PAGE}"` +
    `${realmCredentials === 'include' ? ', "Access-Control-Allow-Credentials: true"' : ''} and "Access-Control-Allow-Headers: Authorization".`;

  it('on another origin: the error names the CORS headers it must send for this page (and credentials when included)', async () => {
    for (const realmCredentials of [undefined, 'include', 'omit'] as const) {
      const { fetch } = page('https://auth.test/token', unreachable);
      const error = await sdk
        .createAuthFetch({ fetch, tokenRetries: 0, ...(realmCredentials && { realmCredentials }) })(manifest)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(sdk.TokenRequestError);
      expect((error as Error).message).toBe(reached(realmCredentials));
    }
  });

  it("on the page's own origin, or where the page has no location: no CORS hint", async () => {
    const sameOrigin = page(`${PAGE}/token`, unreachable);
    const error = await sdk
      .createAuthFetch({ fetch: sameOrigin.fetch, tokenRetries: 0 })(manifest)
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `The token endpoint ${PAGE}/token could not be reached (Failed to fetch). Check the network and DNS.`,
    );
    const location = (globalThis as { location?: unknown }).location;
    delete (globalThis as { location?: unknown }).location;
    try {
      const elsewhere = page('https://auth.test/token', unreachable);
      const error2 = await sdk
        .createAuthFetch({ fetch: elsewhere.fetch, tokenRetries: 0 })(manifest)
        .catch((e: unknown) => e);
      expect((error2 as Error).message).toBe(
        'The token endpoint https://auth.test/token could not be reached (Failed to fetch). Check the network and DNS.',
      );
    } finally {
      Object.assign(globalThis, { location });
    }
  });
});

describe('redirects of token requests in a page (the browser follows them itself)', () => {
  it("a POST carrying the credentials' form refuses any redirect; the GET after it leaves redirects to the browser", async () => {
    const { fetch, realmInits } = page('https://auth.test/token', (request) =>
      request.method === 'POST'
        ? new Response(null, { status: 405 })
        : Response.json({ token: 'tok-ok', expires_in: 300 }),
    );
    const authFetch = sdk.createAuthFetch({ fetch, credentials: { refreshToken: 'refresh-secret' } });
    expect((await authFetch(manifest)).status).toBe(200);
    expect(realmInits.map((init) => `${init.method} ${init.redirect}`)).toEqual(['POST error', 'GET undefined']);
  });
});
