// Each host's challenge is answered with that host's credentials, even behind a redirect: a redirect target that
// challenges is a registry of its own, and never gets the addressed registry's credentials or tokens.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch } from '../../src/index.ts';
import type { CredentialContext } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { basic, bearer, recorded, server, trace, useMsw } from '../support/msw.ts';
import { PASSWORD } from '../support/secrets.ts';

useMsw();

const TARGET = 'https://mirror.test';
const TARGET_REALM = 'https://auth.mirror.test/token';
const blob = (repo = 'team/app') => `${REGISTRY}/v2/${repo}/blobs/sha256:abc`;
const targetBlob = `${TARGET}/v2/team/app/blobs/sha256:abc`;
const targetToken = `${TARGET_REALM}?service=mirror.test&scope=repository%3Ateam%2Fapp%3Apull`;

/** The addressed registry answers blob reads (once authorized) with a 307 to the mirror. */
function redirectingBlobs(): void {
  server.use(
    http.get(`${REGISTRY}/v2/:a/:b/blobs/:digest`, ({ request }) =>
      request.headers.get('authorization')?.startsWith('Bearer tok-')
        ? new HttpResponse(null, { status: 307, headers: { location: targetBlob } })
        : new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': bearer({ realm: REALM, service: 'registry.test', scope: 'repository:team/app:pull' }),
            },
          }),
    ),
  );
}

/** A mirror with its own token service: its token is `mirror-<n>`, granted to anyone (or to `user` only). */
function tokenMirror(user?: { name: string; password: string }): void {
  let n = 0;
  server.use(
    http.get(TARGET_REALM, ({ request }) => {
      const auth = request.headers.get('authorization');
      if (user && auth !== basic(user.name, user.password))
        return HttpResponse.json({ errors: [{ code: 'DENIED' }] }, { status: 401 });
      return HttpResponse.json({ token: `mirror-${++n}`, expires_in: 300 });
    }),
    http.get(`${TARGET}/v2/*`, ({ request }) =>
      request.headers.get('authorization')?.startsWith('Bearer mirror-')
        ? new HttpResponse('mirror-bytes')
        : new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': bearer({
                realm: TARGET_REALM,
                service: 'mirror.test',
                scope: 'repository:team/app:pull',
              }),
            },
          }),
    ),
  );
}

describe('a redirect target that challenges with its own token service', () => {
  it("is answered anonymously with the target's own token; the addressed registry's credentials go nowhere near it", async () => {
    fakeRegistry({ expiresIn: 300 });
    redirectingBlobs();
    tokenMirror();
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    const res = await authFetch(blob());
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('mirror-bytes');
    expect(trace()).toEqual([
      `GET ${blob()}`,
      `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull Basic`,
      `GET ${blob()} Bearer`,
      `GET ${targetBlob}`,
      `GET ${targetToken}`,
      `GET ${targetBlob} Bearer`,
    ]);
    expect(recorded[5]!.headers.authorization).toBe('Bearer mirror-1');
    const toMirror = recorded.filter((r) => r.url.includes('mirror.test'));
    expect(toMirror.map((r) => r.headers.authorization ?? '-')).toEqual(['-', '-', 'Bearer mirror-1']);

    // What was learnt about the mirror stays the mirror's: a new repository on the registry asks its own realm.
    recorded.length = 0;
    await authFetch(`${REGISTRY}/v2/team/other/manifests/latest`);
    expect(recorded[0]!.url).toBe(`${REALM}?service=registry.test&scope=repository%3Ateam%2Fother%3Apull`);
    expect(recorded[0]!.headers.authorization).toBe(basic('alice', PASSWORD));
    // A second blob read: the registry's token and the mirror's token, no 401.
    recorded.length = 0;
    expect(await (await authFetch(blob())).text()).toBe('mirror-bytes');
    expect(trace()).toEqual([`GET ${blob()} Bearer`, `GET ${targetBlob} Bearer`]);
  });

  it('a provider is asked per host: it answers for the mirror, whose private content then downloads', async () => {
    fakeRegistry({ expiresIn: 300 });
    redirectingBlobs();
    tokenMirror({ name: 'mirror-user', password: 'mirror-password' });
    const asked: CredentialContext[] = [];
    const authFetch = createAuthFetch({
      credentials: (ctx) => {
        asked.push(ctx);
        return ctx.registry === 'mirror.test'
          ? { username: 'mirror-user', password: 'mirror-password' }
          : { username: 'alice', password: PASSWORD };
      },
    });
    const res = await authFetch(blob());
    expect(await res.text()).toBe('mirror-bytes');
    expect(asked.map((c) => [c.registry, c.realm])).toEqual([
      ['registry.test', REALM],
      ['mirror.test', TARGET_REALM],
    ]);
    expect(recorded.find((r) => r.url.startsWith(TARGET_REALM))!.headers.authorization).toBe(
      basic('mirror-user', 'mirror-password'),
    );
    expect(
      recorded.some((r) => r.url.includes('mirror.test') && r.headers.authorization === basic('alice', PASSWORD)),
    ).toBe(false);
  });

  it("a static credential is the addressed registry's alone: the mirror's realm is asked anonymously", async () => {
    fakeRegistry({ expiresIn: 300 });
    redirectingBlobs();
    tokenMirror({ name: 'alice', password: PASSWORD });
    const refused = await createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } })(blob()).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'TOKEN_DENIED' }); // the mirror's realm refused the anonymous request
    expect(recorded.find((r) => r.url.startsWith(TARGET_REALM))!.headers.authorization).toBeUndefined();
    // A provider can answer for the mirror too (see above): that is how a user widens where a credential goes.
  });
});

describe('a Basic registry that redirects', () => {
  function basicRegistry(): void {
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === basic('AWS', PASSWORD)
          ? new HttpResponse(null, { status: 307, headers: { location: targetBlob } })
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } }),
      ),
    );
  }

  it("a target's Basic challenge is not answered with the registry's Basic credentials: the caller gets its 401", async () => {
    basicRegistry();
    server.use(
      http.get(
        `${TARGET}/v2/*`,
        () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="mirror"' } }),
      ),
    );
    const authFetch = createAuthFetch({ credentials: { username: 'AWS', password: PASSWORD } });
    const first = await authFetch(blob());
    expect(first.status).toBe(401);
    expect(trace()).toEqual([`GET ${blob()}`, `GET ${blob()} Basic`, `GET ${targetBlob}`]);
    // Later requests: Basic up front to the registry, nothing to the target.
    recorded.length = 0;
    expect((await authFetch(blob())).status).toBe(401);
    expect(trace()).toEqual([`GET ${blob()} Basic`, `GET ${targetBlob}`]);
  });

  it('storage answering 401 with a Bearer challenge gets its own anonymous token; with no challenge, its 401 is the answer', async () => {
    basicRegistry();
    tokenMirror();
    const authFetch = createAuthFetch({ credentials: { username: 'AWS', password: PASSWORD } });
    expect(await (await authFetch(blob())).text()).toBe('mirror-bytes');
    expect(recorded.filter((r) => r.url.includes('mirror.test')).map((r) => r.headers.authorization ?? '-')).toEqual([
      '-',
      '-',
      'Bearer mirror-1',
    ]);

    server.use(http.get(`${TARGET}/v2/*`, () => new HttpResponse('denied', { status: 401 })));
    recorded.length = 0;
    const res = await createAuthFetch({ credentials: { username: 'AWS', password: PASSWORD } })(blob('team/second'));
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('denied');
  });
});
