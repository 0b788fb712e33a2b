// Security where the registry is reached over https (msw intercepts https URLs): no downgrade of credentials to
// plain http, Basic only to the realm's origin, and a realm must be http(s). Scanned for secrets at the end.

import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthFetch, OciAuthError } from '../../src/index.ts';
import type { AuthFetchOptions, Credential } from '../../src/index.ts';
import { bearer, bodiesRead, recorded, server, useMsw } from '../support/msw.ts';
import { Observed, PASSWORD, REFRESH } from '../support/secrets.ts';

useMsw();

const seen = new Observed();
afterAll(() => {
  expect(seen.errors.length).toBeGreaterThan(0);
  seen.expectNoSecrets(['issued-token-1', 'issued-token-2']);
});

const password: Credential = { username: 'alice', password: PASSWORD };
const refresh: Credential = { refreshToken: REFRESH };
const manifest = (origin: string) => `${origin}/v2/team/app/manifests/latest`;

/** A registry at `origin` that challenges with `realm` and accepts the token `issued-token-1`. */
function bearerRegistry(origin: string, realm: string): void {
  server.use(
    http.all(`${origin}/v2/*`, ({ request }) =>
      request.headers.get('authorization') === 'Bearer issued-token-1'
        ? new HttpResponse('manifest')
        : new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': bearer({ realm, service: 'registry.test', scope: 'repository:team/app:pull' }),
            },
          }),
    ),
    http.all(realm, () => HttpResponse.json({ token: 'issued-token-1', expires_in: 300 })),
  );
}

function basicRegistry(origin: string): void {
  server.use(
    http.all(`${origin}/v2/*`, ({ request }) =>
      request.headers.get('authorization')?.startsWith('Basic ')
        ? new HttpResponse('manifest')
        : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="Registry"' } }),
    ),
  );
}

const authFetch = (credentials: Credential | undefined, extra: AuthFetchOptions = {}) =>
  createAuthFetch({ ...(credentials ? { credentials } : {}), onEvent: seen.onEvent, ...extra });

async function refused(promise: Promise<Response>): Promise<unknown> {
  const error = await seen.catch(promise);
  expect(error).toBeInstanceOf(OciAuthError);
  expect((error as OciAuthError).code).toBe('INSECURE_REALM');
  expect((error as Error).message).not.toContain(PASSWORD);
  return error;
}

const sentTo = (prefix: string) => recorded.filter((r) => r.url.startsWith(prefix));
const withSecret = (r: (typeof recorded)[number]) =>
  r.headers.authorization?.startsWith('Basic ') || r.body.includes(PASSWORD) || r.body.includes(REFRESH);
/** Requests to `prefix` that carried a secret, once every body has been captured (not as far as read so far). */
const sentWithSecret = async (prefix: string) => {
  await bodiesRead();
  return sentTo(prefix).filter(withSecret);
};

describe('an https registry cannot send credentials to an http realm', () => {
  for (const [name, credential] of [
    ['a password', password],
    ['a refresh token', refresh],
  ] as const) {
    it(`${name}: refused with INSECURE_REALM; the realm receives nothing`, async () => {
      bearerRegistry('https://registry.test', 'http://auth.example/token');
      const error = await refused(authFetch(credential)(manifest('https://registry.test')));
      expect((error as Error).message).toBe(
        'Refusing to send credentials to http://auth.example/token over plain http. Use https, or set allowInsecureRealm for this registry if you trust the network.',
      );
      expect(sentTo('http://auth.example')).toEqual([]);
    });
  }

  it('allowed per registry with allowInsecureRealm, and only for that registry', async () => {
    bearerRegistry('https://registry.test', 'http://auth.example/token');
    await refused(authFetch(password, { allowInsecureRealm: ['other.test'] })(manifest('https://registry.test')));
    expect(sentTo('http://auth.example')).toEqual([]);
    const res = await authFetch(password, { allowInsecureRealm: ['registry.test'] })(manifest('https://registry.test'));
    expect(res.status).toBe(200);
    expect(sentTo('http://auth.example').map((r) => r.headers.authorization?.split(' ')[0])).toEqual(['Basic']);
  });

  it('allowed for every registry with allowInsecureRealm: true', async () => {
    bearerRegistry('https://registry.test', 'http://auth.example/token');
    const res = await authFetch(password, { allowInsecureRealm: true })(manifest('https://registry.test'));
    expect(res.status).toBe(200);
    expect(sentTo('http://auth.example').map((r) => r.headers.authorization?.split(' ')[0])).toEqual(['Basic']);
  });

  it('anonymous tokens may come from an http realm (nothing secret is sent)', async () => {
    bearerRegistry('https://registry.test', 'http://auth.example/token');
    expect((await authFetch(undefined)(manifest('https://registry.test'))).status).toBe(200);
    expect(sentTo('http://auth.example').map((r) => r.headers.authorization)).toEqual([undefined]);
  });

  // The loopback exception holds only for a plain-http registry: an https registry cannot point its realm at
  // an http port on this machine.
  it('an http realm on loopback, named by an https registry, is refused too', async () => {
    bearerRegistry('https://registry.test', 'http://127.0.0.1:5999/token');
    const outcome = await authFetch(password)(manifest('https://registry.test')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(await sentWithSecret('http://127.0.0.1:5999')).toEqual([]);
    expect((outcome as OciAuthError | undefined)?.code).toBe('INSECURE_REALM');
  });

  it('a realm that is not http(s) is refused whatever the credentials', async () => {
    for (const realm of ['ftp://auth.example/token', 'file:///etc/passwd', 'javascript:alert(1)']) {
      server.use(
        http.all(
          'https://registry.test/v2/*',
          () =>
            new HttpResponse(null, {
              status: 401,
              headers: { 'www-authenticate': `Bearer realm="${realm}",service="x"` },
            }),
        ),
      );
      await refused(authFetch(password)(manifest('https://registry.test')));
      await refused(authFetch(undefined)(manifest('https://registry.test')));
    }
  });
});

describe('Basic credentials: only to the realm origin, over https or loopback', () => {
  it('a token realm on another https host gets Basic; the registry never does', async () => {
    bearerRegistry('https://registry.test', 'https://auth.other.test/token');
    expect((await authFetch(password)(manifest('https://registry.test'))).status).toBe(200);
    expect(sentTo('https://auth.other.test').map((r) => r.headers.authorization?.split(' ')[0])).toEqual(['Basic']);
    expect(await sentWithSecret('https://registry.test')).toEqual([]);
  });

  it('a Basic registry over https gets the credentials on the retry', async () => {
    basicRegistry('https://registry.test');
    expect((await authFetch(password)(manifest('https://registry.test'))).status).toBe(200);
    expect(sentTo('https://registry.test').map((r) => r.headers.authorization?.split(' ')[0] ?? '-')).toEqual([
      '-',
      'Basic',
    ]);
  });

  it('a Basic registry over http on a non-loopback host is refused; allowInsecureRealm lets it through', async () => {
    basicRegistry('http://registry.example');
    const error = await refused(authFetch(password)(manifest('http://registry.example')));
    expect((error as Error).message).toBe(
      'Refusing to send Basic credentials to registry.example over plain http. Use https, or set allowInsecureRealm for this registry if you trust the network.',
    );
    expect(await sentWithSecret('http://registry.example')).toEqual([]);
    expect(sentTo('http://registry.example')).toHaveLength(1);
    const res = await authFetch(password, { allowInsecureRealm: ['registry.example'] })(
      manifest('http://registry.example'),
    );
    expect(res.status).toBe(200);
  });

  it('an https registry that redirects to http on the same host loses the Authorization header', async () => {
    bearerRegistry('https://registry.test', 'https://auth.test/token');
    server.use(
      http.get('https://registry.test/v2/team/app/blobs/:digest', ({ request }) =>
        request.headers.get('authorization')
          ? new HttpResponse(null, { status: 307, headers: { location: 'http://registry.test/storage/blob' } })
          : new HttpResponse(null, {
              status: 401,
              headers: { 'www-authenticate': bearer({ realm: 'https://auth.test/token', service: 'registry.test' }) },
            }),
      ),
      http.get('http://registry.test/storage/blob', () => new HttpResponse('bytes')),
    );
    const res = await authFetch(password)('https://registry.test/v2/team/app/blobs/sha256:abc');
    expect(await res.text()).toBe('bytes');
    const hop = sentTo('http://registry.test/storage');
    expect(hop).toHaveLength(1);
    expect(hop[0]!.headers.authorization).toBeUndefined();
  });
});
