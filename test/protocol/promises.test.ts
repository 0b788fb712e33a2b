// What the docs promise around the happy path, request by request: refresh-token fallback, cache keys, Basic
// registries without credentials, the Harbor rule, the cache option, throwing listeners, redirect limits on
// the realm, the probe of a registry under a path prefix, learned actions, covering limits and event fields.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch, MemoryTokenCache, OciAuthError } from '../../src/index.ts';
import type { AuthEvent, CachedToken, RegistryRecord, TokenCache } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { basic, bearer, recorded, server, trace, useMsw } from '../support/msw.ts';
import { Observed, PASSWORD, REFRESH } from '../support/secrets.ts';

useMsw();

const manifest = (repo: string, ref = 'latest', registry = REGISTRY) => `${registry}/v2/${repo}/manifests/${ref}`;
/** A stream body (never sent twice): a registry's auth is learned by a probe before it. */
const stream = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
const tokenUrl = (...scopes: string[]) =>
  `${REALM}?service=registry.test${scopes.map((s) => `&scope=${encodeURIComponent(s)}`).join('')}`;

describe('refresh tokens the server hands out (docs/credentials.md)', () => {
  it('a refused refresh token is forgotten: the credential is used once more, and the dead token never again', async () => {
    const forms: Record<string, string>[] = [];
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: async (request) => {
        const form = Object.fromEntries(new URLSearchParams(await request.text()));
        forms.push(form);
        // The rotated refresh token has been revoked; the user's own identity token still works.
        if (form.refresh_token !== REFRESH)
          return HttpResponse.json({ details: 'refresh token revoked' }, { status: 403 });
        const token = `tok-${++n}`;
        fake.tokens.set(token, form.scope!.split(' '));
        return HttpResponse.json({
          access_token: token,
          expires_in: 300,
          ...(n === 1 && { refresh_token: 'rotated-1' }),
        });
      },
    });
    const authFetch = createAuthFetch({ credentials: { refreshToken: REFRESH } });
    expect((await authFetch(manifest('team/one'))).status).toBe(200);
    expect(forms.map((f) => f.refresh_token)).toEqual([REFRESH]);

    recorded.length = 0;
    forms.length = 0;
    expect((await authFetch(manifest('team/two'))).status).toBe(200);
    // The server's refresh token first; refused (403), the identity token once more.
    expect(trace()).toEqual([`POST ${REALM}`, `POST ${REALM}`, `GET ${manifest('team/two')} Bearer`]);
    expect(forms).toEqual([
      {
        grant_type: 'refresh_token',
        refresh_token: 'rotated-1',
        service: 'registry.test',
        client_id: 'oci-auth-fetch',
        scope: 'repository:team/two:pull',
      },
      {
        grant_type: 'refresh_token',
        refresh_token: REFRESH,
        service: 'registry.test',
        client_id: 'oci-auth-fetch',
        scope: 'repository:team/two:pull',
      },
    ]);
    expect(recorded[2]!.headers.authorization).toBe('Bearer tok-2');

    // Forgotten: the next token goes straight to the credential.
    recorded.length = 0;
    forms.length = 0;
    expect((await authFetch(manifest('team/three'))).status).toBe(200);
    expect(trace()).toEqual([`POST ${REALM}`, `GET ${manifest('team/three')} Bearer`]);
    expect(forms.map((f) => f.refresh_token)).toEqual([REFRESH]);
  });

  for (const status of [401, 400]) {
    it(`on a realm without OAuth2 (GET only), a refresh token refused with ${status} falls back to the credential the same way`, async () => {
      const basics: string[] = [];
      let n = 0;
      const fake = fakeRegistry({
        tokenResponse: (request) => {
          if (request.method === 'POST') return new HttpResponse(null, { status: 405 });
          const authorization = request.headers.get('authorization')!;
          basics.push(authorization);
          if (authorization !== basic('<token>', REFRESH))
            return HttpResponse.json({ error: 'invalid_grant', error_description: 'revoked' }, { status });
          const token = `tok-${++n}`;
          fake.tokens.set(token, new URL(request.url).searchParams.getAll('scope'));
          return HttpResponse.json({ token, expires_in: 300, ...(n === 1 && { refresh_token: 'rotated-1' }) });
        },
      });
      const authFetch = createAuthFetch({ credentials: { refreshToken: REFRESH } });
      expect((await authFetch(manifest('team/one'))).status).toBe(200);
      recorded.length = 0;
      basics.length = 0;
      expect((await authFetch(manifest('team/two'))).status).toBe(200);
      expect(trace()).toEqual([
        `GET ${tokenUrl('repository:team/two:pull')} Basic`,
        `GET ${tokenUrl('repository:team/two:pull')} Basic`,
        `GET ${manifest('team/two')} Bearer`,
      ]);
      expect(basics).toEqual([basic('<token>', 'rotated-1'), basic('<token>', REFRESH)]);
      recorded.length = 0;
      basics.length = 0;
      expect((await authFetch(manifest('team/three'))).status).toBe(200);
      expect(basics).toEqual([basic('<token>', REFRESH)]);
      expect(recorded).toHaveLength(2);
    });
  }

  it('a realm that fails (503) while holding a refresh token it issued has not refused it: the error reaches the caller, the token is kept', async () => {
    const forms: Record<string, string>[] = [];
    let n = 0;
    let down = false;
    const fake = fakeRegistry({
      tokenResponse: async (request) => {
        const form = Object.fromEntries(new URLSearchParams(await request.text()));
        forms.push(form);
        if (down) return new HttpResponse('busy', { status: 503 });
        const token = `tok-${++n}`;
        fake.tokens.set(token, form.scope!.split(' '));
        return HttpResponse.json({ access_token: token, expires_in: 300, refresh_token: `rotated-${n}` });
      },
    });
    const authFetch = createAuthFetch({ credentials: { refreshToken: REFRESH } });
    expect((await authFetch(manifest('team/one'))).status).toBe(200);
    down = true;
    forms.length = 0;
    const error = await authFetch(manifest('team/two')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OciAuthError);
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 503 });
    // One POST (a POST grant is not retried), with the server's refresh token: the credential was not tried.
    expect(forms.map((f) => f.refresh_token)).toEqual(['rotated-1']);
    down = false;
    forms.length = 0;
    recorded.length = 0;
    expect((await authFetch(manifest('team/two'))).status).toBe(200);
    expect(forms.map((f) => f.refresh_token)).toEqual(['rotated-1']);
    expect(trace()).toEqual([`POST ${REALM}`, `GET ${manifest('team/two')} Bearer`]);
  });
});

describe('cache keys (docs/caching.md)', () => {
  it('service is part of the key: two registries with one realm and different services get their own tokens', async () => {
    const OTHER = 'https://other.test';
    const issued = new Map<string, string>(); // token -> service it was issued for
    server.use(
      http.get(REALM, ({ request }) => {
        const service = new URL(request.url).searchParams.get('service')!;
        const token = `tok-${issued.size + 1}`;
        issued.set(token, service);
        return HttpResponse.json({ token, expires_in: 300 });
      }),
      http.get(/^https:\/\/(registry|other)\.test\/v2\/.*/, ({ request }) => {
        const host = new URL(request.url).hostname;
        const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
        if (token !== undefined && issued.get(token) === host) return new HttpResponse('ok');
        return new HttpResponse(null, {
          status: 401,
          headers: { 'www-authenticate': bearer({ realm: REALM, service: host, scope: 'repository:team/app:pull' }) },
        });
      }),
    );
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    recorded.length = 0;
    expect((await authFetch(manifest('team/app', 'latest', OTHER))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${manifest('team/app', 'latest', OTHER)}`,
      `GET ${REALM}?service=other.test&scope=repository%3Ateam%2Fapp%3Apull`,
      `GET ${manifest('team/app', 'latest', OTHER)} Bearer`,
    ]);
    expect(recorded[2]!.headers.authorization).toBe('Bearer tok-2');
    // And each keeps its own: warm requests to both cost one request each.
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    await authFetch(manifest('team/app', 'latest', OTHER));
    expect(recorded.map((r) => `${r.url} ${r.headers.authorization}`)).toEqual([
      `${manifest('team/app')} Bearer tok-1`,
      `${manifest('team/app', 'latest', OTHER)} Bearer tok-2`,
    ]);
  });
});

describe('Basic registries', () => {
  const basicRegistry = () =>
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === basic('alice', PASSWORD)
          ? new HttpResponse('ok')
          : new HttpResponse('{"errors":[{"code":"UNAUTHORIZED"}]}', {
              status: 401,
              headers: { 'www-authenticate': 'Basic realm="Registry Realm"' },
            }),
      ),
    );

  it('an anonymous request gets the 401 itself, unanswered, every time', async () => {
    basicRegistry();
    const seen = new Observed();
    const authFetch = createAuthFetch({ onEvent: seen.onEvent });
    for (const ref of ['latest', 'v2']) {
      recorded.length = 0;
      const res = await authFetch(manifest('team/app', ref));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Registry Realm"');
      expect(await res.text()).toBe('{"errors":[{"code":"UNAUTHORIZED"}]}');
      expect(trace()).toEqual([`GET ${manifest('team/app', ref)}`]);
    }
    expect(seen.events.map((e) => e.type)).toEqual(['challenge', 'challenge']);
  });

  it('an identity token without a user goes to a Basic registry as user <token>, its password the token', async () => {
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === basic('<token>', REFRESH)
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="Registry Realm"' } }),
      ),
    );
    expect((await createAuthFetch({ credentials: { refreshToken: REFRESH } })(manifest('team/app'))).status).toBe(200);
    expect(recorded.map((r) => r.headers.authorization)).toEqual([undefined, basic('<token>', REFRESH)]);
  });

  it('a registry known to use tokens stays a token registry after a Basic challenge (Harbor)', async () => {
    const fake = fakeRegistry({ expiresIn: 300 });
    // Harbor answers a token too narrow for this repository with a Basic challenge, and takes Basic there.
    server.use(
      http.get(`${REGISTRY}/v2/harbor/narrow/manifests/latest`, ({ request }) =>
        request.headers.get('authorization') === basic('alice', PASSWORD)
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="harbor"' } }),
      ),
    );
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    recorded.length = 0;
    expect((await authFetch(manifest('harbor/narrow'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:harbor/narrow:pull')} Basic`,
      `GET ${manifest('harbor/narrow')} Bearer`,
      `GET ${manifest('harbor/narrow')} Basic`,
    ]);
    // Still a token registry: a new repository gets a token up front, not Basic.
    recorded.length = 0;
    expect((await authFetch(manifest('team/next'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/next:pull')} Basic`,
      `GET ${manifest('team/next')} Bearer`,
    ]);
    expect(fake.tokens.size).toBe(3);
  });
});

describe('the cache option (docs/caching.md)', () => {
  /** An async cache over a Map, recording every call. */
  function recordingCache(): TokenCache & {
    map: Map<string, CachedToken | RegistryRecord>;
    calls: string[];
    keys: string[];
  } {
    const map = new Map<string, CachedToken | RegistryRecord>();
    const calls: string[] = [];
    /** Every key passed to get, set or delete, in order. */
    const keys: string[] = [];
    const call = (name: string, key: string) => {
      calls.push(name);
      keys.push(key);
    };
    return {
      map,
      calls,
      keys,
      get: async (key) => {
        call('get', key);
        return map.get(key);
      },
      set: async (key, value) => {
        call('set', key);
        map.set(key, value);
      },
      delete: async (key) => {
        call('delete', key);
        map.delete(key);
      },
    };
  }

  it('every key the cache is asked for or given has the documented shape: realm, service (empty when none), credential hash, scopes', async () => {
    fakeRegistry({ expiresIn: 300 });
    // A second registry on the same realm, whose challenge names no service.
    const BARE = 'https://bare.test';
    server.use(
      http.get(`${BARE}/v2/*`, ({ request }) =>
        request.headers.get('authorization')?.startsWith('Bearer ')
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': bearer({ realm: REALM }) } }),
      ),
    );
    const cache = recordingCache();
    const authFetch = createAuthFetch({ cache, credentials: { username: 'alice', password: PASSWORD } });
    const mount = `${REGISTRY}/v2/team/app/blobs/uploads/?mount=sha256%3Aabc&from=team%2Fbase`;
    expect((await authFetch(manifest('team/app'), { method: 'PUT', body: '{}' })).status).toBe(201); // pull,push
    expect((await authFetch(manifest('team/app'))).status).toBe(200); // served by the push token
    expect((await authFetch(mount, { method: 'POST' })).status).toBe(200); // two scopes
    expect((await authFetch(`${REGISTRY}/v2/`)).status).toBe(200); // no scope
    expect((await authFetch(manifest('team/app', 'latest', BARE))).status).toBe(200); // no service
    // What each registry asked for is kept under its origin; tokens under realm, service, credential and scopes.
    const tokenKeys = cache.keys.filter((key) => !key.startsWith('registry\n'));
    expect(new Set(cache.keys.filter((key) => key.startsWith('registry\n')))).toEqual(
      new Set([`registry\n${REGISTRY}`, `registry\n${BARE}`]),
    );
    const hash = /\n([0-9a-f]{32})\n/.exec(tokenKeys[0]!)![1]!;
    const base = `${REALM}\nregistry.test\n${hash}\n`;
    const shape =
      /^https:\/\/auth\.test\/token\n(registry\.test)?\n[0-9a-f]{32}\n(repository:[a-z/]+:[a-z,]+( repository:[a-z/]+:[a-z,]+)*)?$/;
    expect(tokenKeys.filter((key) => !shape.test(key))).toEqual([]);
    expect([...cache.map.keys()].filter((key) => !key.startsWith('registry\n'))).toEqual([
      `${base}repository:team/app:pull,push`,
      `${base}repository:team/app:pull,push repository:team/base:pull`,
      base,
      `${REALM}\n\n${hash}\nrepository:team/app:pull`,
    ]);
  });

  it('a custom (async) cache holds the tokens, under keys that name realm, service and scopes but no secret', async () => {
    fakeRegistry({ expiresIn: 300 });
    const cache = recordingCache();
    const authFetch = createAuthFetch({ cache, credentials: { username: 'alice', password: PASSWORD } });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    // The registry's record (none yet), then kept once its challenge taught it; for the token: a miss, the fetch,
    // then a read before the write (a slower fetch that started earlier never replaces a newer token).
    expect(cache.calls).toEqual(['get', 'set', 'get', 'get', 'set']);
    expect([...cache.map.keys()][0]).toBe(`registry\n${REGISTRY}`);
    const [key, value] = [...cache.map][1]! as [string, CachedToken];
    expect(key).toMatch(/^https:\/\/auth\.test\/token\nregistry\.test\n[0-9a-f]{32}\nrepository:team\/app:pull$/);
    expect(key).not.toContain(PASSWORD);
    expect(value).toMatchObject({ token: 'tok-1', scopes: ['repository:team/app:pull'] });
    // What the cache holds is what is sent.
    cache.map.set(key!, { ...value!, token: 'tok-planted' });
    const planted = recorded.length;
    await authFetch(manifest('team/app'));
    expect(recorded[planted]!.headers.authorization).toBe('Bearer tok-planted');
  });

  it('a store that keeps refused tokens (its delete not applied yet): after insufficient_scope the retry still asks the realm', async () => {
    // The realm grants nothing until access is given (its answers then claim what was asked, which the registry
    // refuses with insufficient_scope); then it grants what is asked.
    let access = false;
    fakeRegistry({ expiresIn: 300, grant: (scope) => (access ? scope : undefined) });
    const map = new Map<string, unknown>();
    const cache: TokenCache = {
      get: (key) => map.get(key),
      set: (key, value) => void map.set(key, value),
      delete: () => {},
    };
    const authFetch = createAuthFetch({ cache });
    expect((await authFetch(manifest('team/app'))).status).toBe(401); // tok-1 (pull) refused
    expect((await authFetch(manifest('team/app'), { method: 'PUT', body: '{}' })).status).toBe(401); // tok-2, tok-3 (pull,push) refused
    access = true;
    recorded.length = 0;
    // The request carries tok-1 (still in the store) and meets insufficient_scope. The retry neither resends tok-1
    // nor takes tok-3, another refused token whose claimed grant covers a pull: it asks the realm.
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${manifest('team/app')} Bearer`,
      `GET ${tokenUrl('repository:team/app:pull')}`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect([recorded[0]!.headers.authorization, recorded[2]!.headers.authorization]).toEqual([
      'Bearer tok-1',
      'Bearer tok-4',
    ]);
  });

  it('two auth fetches sharing a cache share tokens: the second fetches none', async () => {
    fakeRegistry({ expiresIn: 300 });
    const cache = new MemoryTokenCache();
    const credentials = { username: 'alice', password: PASSWORD };
    expect((await createAuthFetch({ cache, credentials })(manifest('team/app'))).status).toBe(200);
    recorded.length = 0;
    expect((await createAuthFetch({ cache, credentials })(manifest('team/app'))).status).toBe(200);
    // The registry's record and the token both come from the shared cache: no 401, no token fetch.
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    expect(recorded[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(cache.size).toBe(2);
    // Another credential on the same cache: another key, its own token.
    recorded.length = 0;
    await createAuthFetch({ cache, credentials: { username: 'bob', password: PASSWORD } })(manifest('team/app'));
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(1);
    expect(cache.size).toBe(3);
  });
});

describe('listeners (docs/events.md)', () => {
  it('a listener that throws breaks no request, and still hears every event', async () => {
    fakeRegistry({ expiresIn: 300 });
    const types: string[] = [];
    const authFetch = createAuthFetch({
      onEvent: (e) => {
        types.push(e.type);
        throw new Error('listener bug');
      },
    });
    const res = await authFetch(manifest('team/app'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(trace()).toEqual([
      `GET ${manifest('team/app')}`,
      `GET ${tokenUrl('repository:team/app:pull')}`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(types).toEqual(['challenge', 'token', 'retry']);
  });

  it('events carry exactly their documented fields', async () => {
    let clock = 1_000_000;
    fakeRegistry({ expiresIn: 300 });
    server.use(
      http.get(
        `${REGISTRY}/v2/team/denied/manifests/latest`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': bearer({
                realm: 'https://auth.test/deny?x=1',
                service: 'registry.test',
                scope: 'repository:team/denied:pull',
              }),
            },
          }),
      ),
      http.get('https://auth.test/deny', () => new HttpResponse('no', { status: 403 })),
    );
    const events: AuthEvent[] = [];
    const authFetch = createAuthFetch({ onEvent: (e) => void events.push(e), now: () => clock });
    await authFetch(`${manifest('team/app')}?secret=1`);
    clock += 100_000;
    await authFetch(manifest('team/app', 'v2'));
    await authFetch(`${REGISTRY}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      body: stream('data'),
      duplex: 'half',
    } as RequestInit);
    // A registry met for the first time whose realm refuses: challenge, then error.
    const fresh = createAuthFetch({ onEvent: (e) => void events.push(e), now: () => clock });
    await expect(fresh(manifest('team/denied'))).rejects.toMatchObject({ code: 'TOKEN_DENIED' });
    const error = (events.at(-1) as { error: unknown }).error;
    expect(error).toBeInstanceOf(OciAuthError);
    expect(events).toStrictEqual([
      {
        type: 'challenge',
        registry: 'registry.test',
        scheme: 'bearer',
        realm: REALM,
        service: 'registry.test',
        scopes: ['repository:team/app:pull'],
      },
      {
        type: 'token',
        source: 'fetched',
        registry: 'registry.test',
        realm: REALM,
        service: 'registry.test',
        scopes: ['repository:team/app:pull'],
        grant: 'anonymous',
        expiresIn: 300,
      },
      { type: 'retry', registry: 'registry.test', method: 'GET', url: manifest('team/app'), reason: 'challenge' },
      {
        type: 'token',
        source: 'cache',
        registry: 'registry.test',
        realm: REALM,
        service: 'registry.test',
        scopes: ['repository:team/app:pull'],
        expiresIn: 200,
      },
      {
        type: 'token',
        source: 'fetched',
        registry: 'registry.test',
        realm: REALM,
        service: 'registry.test',
        scopes: ['repository:team/app:pull,push'],
        grant: 'anonymous',
        expiresIn: 300,
      },
      {
        type: 'challenge',
        registry: 'registry.test',
        scheme: 'bearer',
        realm: 'https://auth.test/deny',
        service: 'registry.test',
        scopes: ['repository:team/denied:pull'],
      },
      { type: 'error', registry: 'registry.test', error },
    ]);
  });

  it('a probe before a stream reports a discovery with the scheme it found', async () => {
    server.use(
      http.get(
        `${REGISTRY}/v2/`,
        () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }),
      ),
    );
    server.use(http.post(`${REGISTRY}/v2/team/app/blobs/uploads/`, () => new HttpResponse(null, { status: 202 })));
    const events: AuthEvent[] = [];
    const authFetch = createAuthFetch({
      onEvent: (e) => void events.push(e),
      credentials: { username: 'alice', password: PASSWORD },
    });
    const res = await authFetch(`${REGISTRY}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      body: stream('data'),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(202);
    expect(events).toStrictEqual([{ type: 'discovery', registry: 'registry.test', scheme: 'basic' }]);
    expect(trace()).toEqual([`GET ${REGISTRY}/v2/`, `POST ${REGISTRY}/v2/team/app/blobs/uploads/ Basic`]);
  });
});

describe('redirect limits on the realm (docs/errors.md)', () => {
  it('a realm that redirects more than 20 times ends in TOO_MANY_REDIRECTS after exactly 20 hops', async () => {
    fakeRegistry();
    let hops = 0;
    server.use(
      http.get(REALM, () => new HttpResponse(null, { status: 302, headers: { location: `${REALM}?hop=${++hops}` } })),
    );
    const seen = new Observed();
    const authFetch = createAuthFetch({
      credentials: { username: 'alice', password: PASSWORD },
      onEvent: seen.onEvent,
    });
    const error = await seen.catch(authFetch(manifest('team/app')));
    expect(error).toBeInstanceOf(OciAuthError);
    expect(error).toMatchObject({
      code: 'TOO_MANY_REDIRECTS',
      message: 'More than 20 redirects starting at https://auth.test/token.',
    });
    // The first request and 20 redirects followed, each with the credentials (same origin).
    const realmRequests = recorded.filter((r) => r.url.startsWith(REALM));
    expect(realmRequests).toHaveLength(21);
    expect(realmRequests.every((r) => r.headers.authorization === basic('alice', PASSWORD))).toBe(true);
    expect(seen.events.at(-1)).toMatchObject({ type: 'error', registry: 'registry.test' });
    seen.expectNoSecrets();
  });

  it('20 redirects are followed to the token', async () => {
    const fake = fakeRegistry();
    server.use(
      http.get(REALM, ({ request }) => {
        const hop = Number(new URL(request.url).searchParams.get('hop') ?? 0);
        if (hop < 20) return new HttpResponse(null, { status: 302, headers: { location: `${REALM}?hop=${hop + 1}` } });
        fake.tokens.set('tok-far', ['repository:team/app:pull']);
        return HttpResponse.json({ token: 'tok-far' });
      }),
    );
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(21);
    expect(recorded.at(-1)!.headers.authorization).toBe('Bearer tok-far');
  });
});

describe('discovery and learned scopes', () => {
  it('probes a registry served under a path prefix at its own /prefix/v2/', async () => {
    const base = `${REGISTRY}/mirror/v2`;
    let token: string | undefined;
    server.use(
      http.get(
        `${base}/`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': bearer({ realm: REALM, service: 'registry.test' }) },
          }),
      ),
      http.get(REALM, () => {
        token = 'tok-prefix';
        return HttpResponse.json({ token });
      }),
      http.post(`${base}/team/app/blobs/uploads/`, ({ request }) =>
        request.headers.get('authorization') === `Bearer ${token}`
          ? new HttpResponse(null, { status: 202 })
          : new HttpResponse(null, { status: 401 }),
      ),
    );
    const events: AuthEvent[] = [];
    const authFetch = createAuthFetch({ onEvent: (e) => void events.push(e) });
    const res = await authFetch(`${base}/team/app/blobs/uploads/`, {
      method: 'POST',
      body: stream('data'),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(202);
    expect(trace()).toEqual([
      `GET ${base}/`,
      `GET ${tokenUrl('repository:team/app:pull,push')}`,
      `POST ${base}/team/app/blobs/uploads/ Bearer`,
    ]);
    expect(events[0]).toStrictEqual({ type: 'discovery', registry: 'registry.test', scheme: 'bearer' });
  });

  it('after learning that a registry wants more for a method, a request shape seen before asks for more too', async () => {
    let demandPush = false;
    fakeRegistry({ expiresIn: 300, requires: (method) => (method === 'GET' && !demandPush ? 'pull' : 'pull,push') });
    const authFetch = createAuthFetch();
    // Seen (and its scopes remembered) while the registry asked for pull only.
    expect((await authFetch(manifest('team/seen'))).status).toBe(200);
    // Then the registry asks for push on every GET (django-oci): learned on another repository.
    demandPush = true;
    expect((await authFetch(manifest('team/other'))).status).toBe(200);
    recorded.length = 0;
    // The first shape now asks for pull,push up front: no 401, no rejected token.
    expect((await authFetch(manifest('team/seen'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/seen:pull,push')}`,
      `GET ${manifest('team/seen')} Bearer`,
    ]);
  });
});

describe('covering tokens: the limits of the index (docs/caching.md)', () => {
  /** A realm that grants, in `scope`, whatever `grants(asked)` says, and a registry that honours the grant. */
  function granting(grants: (asked: string[]) => string[], lifetime: (asked: string[]) => number = () => 300) {
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: (request) => {
        const asked = new URL(request.url).searchParams.getAll('scope');
        const granted = grants(asked);
        const token = `tok-${++n}`;
        fake.tokens.set(token, granted);
        return HttpResponse.json({ token, expires_in: lifetime(asked), scope: granted.join(' ') });
      },
    });
  }
  const realmCalls = () => recorded.filter((r) => r.url.startsWith(REALM)).length;

  it('only the 4 newest tokens naming a resource are candidates: an older covering token is not found', async () => {
    // The first token is granted pull,push on team/app and pull on team/zzz; the next four only pull on
    // team/app (each with a repository of its own).
    granting((asked) =>
      asked[0] === 'repository:team/app:pull,push'
        ? ['repository:team/app:pull,push', 'repository:team/zzz:pull']
        : asked,
    );
    const authFetch = createAuthFetch();
    const mountInto = (target: string, from: string) =>
      authFetch(`${REGISTRY}/v2/${target}/blobs/uploads/?mount=sha256:${'a'.repeat(64)}&from=${from}`, {
        method: 'POST',
      });
    await authFetch(`${REGISTRY}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    // With only three newer tokens, the first one still covers a mount from team/zzz into team/app.
    for (const target of ['team/t1', 'team/t2', 'team/t3']) await mountInto(target, 'team/app');
    recorded.length = 0;
    expect((await mountInto('team/app', 'team/zzz')).status).toBe(200);
    expect(realmCalls()).toBe(0);
    // A fourth newer token pushes it out of the candidates: the same mount now costs a token.
    await mountInto('team/t4', 'team/app');
    recorded.length = 0;
    expect((await mountInto('team/app', 'team/zzz')).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/app:pull,push', 'repository:team/zzz:pull')}`,
      `POST ${REGISTRY}/v2/team/app/blobs/uploads/?mount=sha256:${'a'.repeat(64)}&from=team/zzz Bearer`,
    ]);
  });

  it('a token fetched again under its own key holds one place among the 4 candidates, not one per fetch', async () => {
    // The first token: pull,push on team/app and pull on team/zzz, for an hour; the others as asked, for 300 s.
    const first = (asked: string[]) => asked[0] === 'repository:team/app:pull,push';
    granting(
      (asked) => (first(asked) ? ['repository:team/app:pull,push', 'repository:team/zzz:pull'] : asked),
      (asked) => (first(asked) ? 3600 : 300),
    );
    let clock = 0;
    const authFetch = createAuthFetch({ now: () => clock });
    const mountInto = (target: string, from: string) =>
      authFetch(`${REGISTRY}/v2/${target}/blobs/uploads/?mount=sha256:${'a'.repeat(64)}&from=${from}`, {
        method: 'POST',
      });
    await authFetch(`${REGISTRY}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    // One mount three times, its 300 s token replaced each time: three tokens under one key naming team/app.
    for (const at of [0, 295_000, 590_000]) {
      clock = at;
      expect((await mountInto('team/t1', 'team/app')).status).toBe(200);
    }
    expect(realmCalls()).toBe(4);
    expect((await mountInto('team/t2', 'team/app')).status).toBe(200);
    recorded.length = 0;
    // Two other keys name team/app since the first token: it is still a candidate, and covers this mount.
    expect((await mountInto('team/app', 'team/zzz')).status).toBe(200);
    expect(realmCalls()).toBe(0);
  });

  it('a resource named again by a newer token becomes the newest in the index: the least recently named goes first', async () => {
    // The first token grants pull on r0000…r4094 and on seed: 4096 resources, as many as the index keeps.
    const names = [
      ...Array.from({ length: 4095 }, (_, i) => `repository:r${String(i).padStart(4, '0')}:pull`),
      'repository:seed:pull',
    ];
    granting((asked) => (asked[0] === 'repository:seed:pull' ? names : asked));
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest('seed'))).status).toBe(200);
    // A push to r0000 names it again (a token of its own): r0000 is now the most recently named, r0001 the least.
    expect((await authFetch(manifest('r0000'), { method: 'PUT', body: '{}' })).status).toBe(201);
    // One resource more: the least recently named is forgotten.
    expect((await authFetch(manifest('other'))).status).toBe(200);
    recorded.length = 0;
    expect((await authFetch(manifest('r0000'))).status).toBe(200);
    expect((await authFetch(manifest('r0002'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest('r0000')} Bearer`, `GET ${manifest('r0002')} Bearer`]);
    recorded.length = 0;
    expect((await authFetch(manifest('r0001'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${tokenUrl('repository:r0001:pull')}`, `GET ${manifest('r0001')} Bearer`]);
  });

  it('the index remembers at most 4096 resources: the oldest is forgotten, the rest still cover', async () => {
    const names = Array.from({ length: 4097 }, (_, i) => `repository:r${String(i).padStart(4, '0')}:pull`);
    granting(() => names);
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest('r4096'))).status).toBe(200);
    recorded.length = 0;
    expect((await authFetch(manifest('r0001'))).status).toBe(200);
    expect((await authFetch(manifest('r4095'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest('r0001')} Bearer`, `GET ${manifest('r4095')} Bearer`]);
    recorded.length = 0;
    expect((await authFetch(manifest('r0000'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${tokenUrl('repository:r0000:pull')}`, `GET ${manifest('r0000')} Bearer`]);
  });
});
