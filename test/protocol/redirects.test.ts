// Redirects: the bearer token stays with the registry's origin.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { recorded, server, trace, useMsw } from '../support/msw.ts';
import { PASSWORD } from '../support/secrets.ts';

useMsw();

const blob = `${REGISTRY}/v2/team/app/blobs/sha256:abc`;

/** A registry whose blob, once the request carries a token, is a redirect to signed storage on another origin. */
function blobInStorage(): void {
  fakeRegistry({ expiresIn: 300 });
  server.use(
    http.get(blob, ({ request }) =>
      request.headers.get('authorization')
        ? new HttpResponse(null, { status: 307, headers: { location: 'https://storage.test/blob?sig=signed' } })
        : new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': `Bearer realm="${REALM}",service="registry.test",scope="repository:team/app:pull"`,
            },
          }),
    ),
  );
}

describe('redirects', () => {
  it('a blob GET that redirects to another origin does not carry the token there', async () => {
    blobInStorage();
    server.use(http.get('https://storage.test/blob', () => new HttpResponse('blob-bytes')));
    const res = await createAuthFetch()(blob);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('blob-bytes');
    expect(trace()).toEqual([
      `GET ${blob}`,
      `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
      `GET ${blob} Bearer`,
      'GET https://storage.test/blob?sig=signed',
    ]);
  });

  it("redirect: 'manual' hands the registry's redirect to the caller, authenticated and not followed", async () => {
    blobInStorage();
    const res = await createAuthFetch()(blob, { redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://storage.test/blob?sig=signed');
    expect(trace()).toEqual([
      `GET ${blob}`,
      `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
      `GET ${blob} Bearer`,
    ]);
  });

  it('a same-origin redirect keeps the token', async () => {
    fakeRegistry({ expiresIn: 300 });
    server.use(
      http.get(
        `${REGISTRY}/v2/team/app/manifests/old`,
        () => new HttpResponse(null, { status: 301, headers: { location: '/v2/team/app/manifests/latest' } }),
      ),
    );
    const authFetch = createAuthFetch();
    await authFetch(`${REGISTRY}/v2/team/app/manifests/latest`);
    recorded.length = 0;
    const res = await authFetch(`${REGISTRY}/v2/team/app/manifests/old`);
    expect(res.status).toBe(200);
    expect(trace()).toEqual([
      `GET ${REGISTRY}/v2/team/app/manifests/old Bearer`,
      `GET ${REGISTRY}/v2/team/app/manifests/latest Bearer`,
    ]);
  });

  it('a realm that redirects to another host does not receive the credentials', async () => {
    fakeRegistry({ expiresIn: 300 });
    server.use(
      http.get(REALM, () => new HttpResponse(null, { status: 302, headers: { location: 'https://evil.test/token' } })),
      http.get('https://evil.test/token', () => HttpResponse.json({ token: 'evil' })),
    );
    await createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } })(
      `${REGISTRY}/v2/team/app/manifests/latest`,
    );
    const evil = recorded.find((r) => r.url.startsWith('https://evil.test'));
    expect(evil).toBeDefined();
    expect(evil!.headers.authorization).toBeUndefined();
  });

  it('a realm that redirects on the same origin (django-oci adds a slash) keeps them', async () => {
    const fake = fakeRegistry({ expiresIn: 300 });
    server.use(
      // msw matches /token and /token/ alike: one handler tells them apart
      http.get(`${REALM}*`, ({ request }) => {
        const url = new URL(request.url);
        if (!url.pathname.endsWith('/')) {
          return new HttpResponse(null, { status: 301, headers: { location: `${REALM}/${url.search}` } });
        }
        fake.tokens.set('slash-token', url.searchParams.getAll('scope'));
        return HttpResponse.json({ token: 'slash-token' });
      }),
    );
    const res = await createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } })(
      `${REGISTRY}/v2/team/app/manifests/latest`,
    );
    expect(res.status).toBe(200);
    expect(recorded[2]!.url).toBe(`${REALM}/?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`);
    expect(recorded[2]!.headers.authorization).toMatch(/^Basic /);
  });

  it('refuses to send credentials to an http realm named by an https registry', async () => {
    server.use(
      http.get(
        `${REGISTRY}/v2/*`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': 'Bearer realm="http://auth.plain/token",service="x"' },
          }),
      ),
    );
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    await expect(authFetch(`${REGISTRY}/v2/team/app/manifests/latest`)).rejects.toMatchObject({
      code: 'INSECURE_REALM',
    });
    expect(recorded).toHaveLength(1);
  });
});
