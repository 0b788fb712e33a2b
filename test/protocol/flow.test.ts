// The token flow, request by request: cold, warm, new repository, concurrency, expiry, retries.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch, CredentialProviderError } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { basic, bearer, recorded, server, trace, useMsw } from '../support/msw.ts';
import { Observed, PASSWORD } from '../support/secrets.ts';

useMsw();

const manifest = (repo: string, ref = 'latest') => `${REGISTRY}/v2/${repo}/manifests/${ref}`;
const tokenUrl = (...scopes: string[]) =>
  `${REALM}?service=registry.test${scopes.map((s) => `&scope=${encodeURIComponent(s)}`).join('')}`;

describe('round trips', () => {
  it('a cold request costs 3: 401, token, retry with the bearer token', async () => {
    fakeRegistry({ expiresIn: 300 });
    const seen = new Observed();
    const authFetch = createAuthFetch({ onEvent: seen.onEvent });
    const res = await authFetch(manifest('team/app'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(trace()).toEqual([
      `GET ${manifest('team/app')}`,
      `GET ${tokenUrl('repository:team/app:pull')}`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(recorded[2]!.headers.authorization).toBe('Bearer tok-1');
    expect(recorded[1]!.headers.authorization).toBeUndefined();
    expect(seen.events.map((e) => e.type)).toEqual(['challenge', 'token', 'retry']);
    expect(seen.events[1]).toMatchObject({
      type: 'token',
      source: 'fetched',
      grant: 'anonymous',
      scopes: ['repository:team/app:pull'],
    });
  });

  it('a warm request costs 1, and a new repository on a known registry costs 2 with no 401', async () => {
    fakeRegistry({ expiresIn: 300 });
    const authFetch = createAuthFetch();
    await authFetch(manifest('team/app'));
    recorded.length = 0;
    expect((await authFetch(manifest('team/app', 'v2'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest('team/app', 'v2')} Bearer`]);
    recorded.length = 0;
    expect((await authFetch(manifest('team/other'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${tokenUrl('repository:team/other:pull')}`, `GET ${manifest('team/other')} Bearer`]);
  });

  it('N concurrent cold requests for one scope cost N + 2 requests: one 401, one token fetch', async () => {
    fakeRegistry({ expiresIn: 300 });
    const seen = new Observed();
    const authFetch = createAuthFetch({ onEvent: seen.onEvent });
    const n = 50;
    const responses = await Promise.all(Array.from({ length: n }, () => authFetch(manifest('team/app'))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(recorded).toHaveLength(n + 2);
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(1);
    expect(recorded.filter((r) => !r.headers.authorization)).toHaveLength(2); // the probe and the token request
    expect(seen.events.filter((e) => e.type === 'token' && e.source === 'fetched')).toHaveLength(1);
  });

  it('N concurrent first requests to a registry without auth cost N requests, and only the first waits', async () => {
    let inFlight = 0;
    let most = 0;
    server.use(
      http.get(`${REGISTRY}/v2/*`, async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return new HttpResponse('open');
      }),
    );
    const authFetch = createAuthFetch();
    const n = 20;
    const responses = await Promise.all(Array.from({ length: n }, (_, i) => authFetch(manifest(`team/app${i}`))));
    expect(responses.map((r) => r.status)).toEqual(Array(n).fill(200));
    expect(recorded).toHaveLength(n);
    expect(recorded.every((r) => !r.headers.authorization)).toBe(true);
    // The first request is the probe; the others wait for it, then go together rather than one by one.
    expect(most).toBe(n - 1);
  });

  it('when the first request to a registry fails, one waiter takes over the discovery: still one 401', async () => {
    fakeRegistry({ expiresIn: 300 });
    let first = true;
    server.use(
      http.get(`${REGISTRY}/v2/*`, () => {
        if (!first) return undefined; // to the fake registry
        first = false;
        return HttpResponse.error();
      }),
    );
    const authFetch = createAuthFetch();
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => authFetch(manifest('team/app'))));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.status : 'failed'))).toEqual([
      'failed',
      200,
      200,
      200,
      200,
    ]);
    const registryAnswers = recorded.filter((r) => r.url.startsWith(REGISTRY));
    expect(registryAnswers.filter((r) => !r.headers.authorization)).toHaveLength(2); // the failed one and one 401
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(1);
  });

  it('a token is replaced before it expires: crossing expiry costs a token fetch and no 401', async () => {
    fakeRegistry({ expiresIn: 60 });
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const authFetch = createAuthFetch({ now: () => clock });
    await authFetch(manifest('team/app'));
    clock += 45_000; // inside the lifetime, outside the 10 s margin: reused
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    clock += 6_000; // 51 s: within the margin: replaced before use
    recorded.length = 0;
    const res = await authFetch(manifest('team/app'));
    expect(res.status).toBe(200);
    expect(trace()).toEqual([`GET ${tokenUrl('repository:team/app:pull')}`, `GET ${manifest('team/app')} Bearer`]);
    expect(recorded[1]!.headers.authorization).toBe('Bearer tok-2');
  });

  it('a token is reused until exactly its expiry minus the margin, and replaced from that millisecond on', async () => {
    fakeRegistry({ expiresIn: 60 });
    const start = 1_000_000;
    let clock = start;
    const authFetch = createAuthFetch({ now: () => clock });
    await authFetch(manifest('team/app'));
    clock = start + 49_999; // 60 s lifetime, 10 s margin: the last millisecond it is handed out
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    clock = start + 50_000;
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${tokenUrl('repository:team/app:pull')}`, `GET ${manifest('team/app')} Bearer`]);
    expect(recorded[1]!.headers.authorization).toBe('Bearer tok-2');
  });

  it('a 5-second token is honoured as sent (margin capped at a quarter of the lifetime)', async () => {
    fakeRegistry({ expiresIn: 5 });
    let clock = 1_000_000;
    const authFetch = createAuthFetch({ now: () => clock });
    await authFetch(manifest('team/app'));
    clock += 3_000;
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    clock += 1_000; // 4 s of 5: past the 1.25 s margin
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${tokenUrl('repository:team/app:pull')}`, `GET ${manifest('team/app')} Bearer`]);
  });

  it('a pull right after a push reuses the push token (no token fetch)', async () => {
    fakeRegistry({ expiresIn: 300 });
    const authFetch = createAuthFetch();
    const put = await authFetch(manifest('team/app'), { method: 'PUT', body: '{}' });
    expect(put.status).toBe(201);
    expect(trace()[1]).toBe(`GET ${tokenUrl('repository:team/app:pull,push')}`);
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
  });

  it('a newer token that does not cover a request does not hide an older one that does', async () => {
    fakeRegistry({
      expiresIn: 300,
      requires: (method) => (method === 'DELETE' ? 'delete' : method === 'GET' ? 'pull' : 'pull,push'),
    });
    const authFetch = createAuthFetch();
    await authFetch(manifest('team/app'), { method: 'PUT', body: '{}' }); // token 1: pull,push
    await authFetch(manifest('team/app'), { method: 'DELETE' }); // token 2: delete, the newest for team/app
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200); // token 1 still covers a pull
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
  });

  it('respects a narrower grant: a token is reused only for what the server granted', async () => {
    // The mount asks for base:pull too, which the token server refuses when asked together with the push.
    fakeRegistry({
      expiresIn: 300,
      grant: (s, asked) => (asked.length > 1 && s.startsWith('repository:team/base:') ? undefined : s),
    });
    const authFetch = createAuthFetch();
    const mount = `${REGISTRY}/v2/team/app/blobs/uploads/?mount=sha256%3Aabc&from=team%2Fbase`;
    expect((await authFetch(mount, { method: 'POST' })).status).toBe(200);
    recorded.length = 0;
    // The mount token was asked for team/base:pull but not granted it: a pull of team/base needs its own token.
    const res = await authFetch(manifest('team/base'));
    expect(res.status).toBe(200);
    expect(trace()).toEqual([`GET ${tokenUrl('repository:team/base:pull')}`, `GET ${manifest('team/base')} Bearer`]);
    recorded.length = 0;
    // …while its team/app grant does serve a pull of team/app.
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    recorded.length = 0;
    // The same mount again: the token cached under exactly its scopes is reused, narrower grant and all (asking
    // again would get the same grant).
    expect((await authFetch(mount, { method: 'POST' })).status).toBe(200);
    expect(trace()).toEqual([`POST ${mount} Bearer`]);
    expect(recorded[0]!.headers.authorization).toBe('Bearer tok-1');
  });

  it('a request that needs no scope (GET /v2/) gets a token asked for no scope, cached like any other', async () => {
    fakeRegistry({ expiresIn: 300 });
    const authFetch = createAuthFetch();
    expect((await authFetch(`${REGISTRY}/v2/`)).status).toBe(200);
    expect(trace()).toEqual([`GET ${REGISTRY}/v2/`, `GET ${tokenUrl()}`, `GET ${REGISTRY}/v2/ Bearer`]);
    recorded.length = 0;
    expect((await authFetch(`${REGISTRY}/v2/`)).status).toBe(200);
    expect(recorded.map((r) => `${r.url} ${r.headers.authorization}`)).toEqual([`${REGISTRY}/v2/ Bearer tok-1`]);
  });
});

describe('401 handling', () => {
  it('insufficient_scope widens the scope and retries once', async () => {
    // one repository needs push even to be read (django-oci does this for all of them)
    fakeRegistry({ expiresIn: 300, requires: (_method, repo) => (repo === 'team/special' ? 'pull,push' : 'pull') });
    const seen = new Observed();
    const authFetch = createAuthFetch({ onEvent: seen.onEvent });
    await authFetch(manifest('team/app'));
    recorded.length = 0;
    const res = await authFetch(manifest('team/special'));
    expect(res.status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/special:pull')}`,
      `GET ${manifest('team/special')} Bearer`,
      `GET ${tokenUrl('repository:team/special:pull,push')}`,
      `GET ${manifest('team/special')} Bearer`,
    ]);
    expect(seen.events.filter((e) => e.type === 'retry').at(-1)).toMatchObject({ reason: 'insufficient_scope' });
  });

  it('requests that meet insufficient_scope with the same token share one fetch of the wider token', async () => {
    let demandPush = false;
    fakeRegistry({ expiresIn: 300, requires: () => (demandPush ? 'pull,push' : 'pull') });
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest('team/app'))).status).toBe(200); // tok-1: pull
    // The registry now wants push to read (django-oci). Two requests leave with tok-1 and are answered together.
    demandPush = true;
    let arrived = 0;
    let bothIn!: () => void;
    const together = new Promise<void>((resolve) => (bothIn = resolve));
    server.use(
      http.get(manifest('team/app'), async ({ request }) => {
        if (request.headers.get('authorization') === 'Bearer tok-1') {
          if (++arrived === 2) bothIn();
          await together;
        }
        return undefined; // answered by the fake registry
      }),
    );
    recorded.length = 0;
    const responses = await Promise.all([authFetch(manifest('team/app')), authFetch(manifest('team/app'))]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(trace()).toEqual([
      `GET ${manifest('team/app')} Bearer`,
      `GET ${manifest('team/app')} Bearer`,
      `GET ${tokenUrl('repository:team/app:pull,push')}`,
      `GET ${manifest('team/app')} Bearer`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(recorded.slice(3).map((r) => r.headers.authorization)).toEqual(['Bearer tok-2', 'Bearer tok-2']);
  });

  it('learns that a registry wants more for a method, and asks for it up front next time', async () => {
    fakeRegistry({ expiresIn: 300, requires: () => 'pull,push' });
    const authFetch = createAuthFetch();
    await authFetch(manifest('team/app')); // 401 asks pull,push for a GET: remembered
    recorded.length = 0;
    const res = await authFetch(manifest('team/other'));
    expect(res.status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/other:pull,push')}`,
      `GET ${manifest('team/other')} Bearer`,
    ]);
    recorded.length = 0;
    // other methods are not affected, and a mount's source keeps its plain pull
    await authFetch(`${REGISTRY}/v2/team/app/blobs/uploads/?mount=sha256%3Aabc&from=team%2Fbase`, { method: 'POST' });
    expect(recorded[0]!.url).toBe(tokenUrl('repository:team/app:pull,push', 'repository:team/base:pull'));
  });

  it('invalid_token evicts the cached token and fetches a fresh one', async () => {
    const fake = fakeRegistry({ expiresIn: 300 });
    const seen = new Observed();
    const authFetch = createAuthFetch({ onEvent: seen.onEvent });
    await authFetch(manifest('team/app'));
    fake.revokeAll();
    recorded.length = 0;
    const res = await authFetch(manifest('team/app'));
    expect(res.status).toBe(200);
    expect(trace()).toEqual([
      `GET ${manifest('team/app')} Bearer`,
      `GET ${tokenUrl('repository:team/app:pull')}`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(recorded[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(recorded[2]!.headers.authorization).toBe('Bearer tok-2');
    expect(seen.events.filter((e) => e.type === 'retry').at(-1)).toMatchObject({ reason: 'invalid_token' });
  });

  it('after insufficient_scope, a cached token for the wider scope serves the retry: no token request', async () => {
    let demandPush = false;
    fakeRegistry({ expiresIn: 300, requires: (method) => (method === 'GET' && !demandPush ? 'pull' : 'pull,push') });
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest('team/app'))).status).toBe(200); // tok-1: pull
    expect((await authFetch(manifest('team/app'), { method: 'PUT', body: '{}' })).status).toBe(201); // tok-2: pull,push
    // The registry now wants push to read (django-oci): the pull token falls short, the push token serves.
    demandPush = true;
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
      `GET ${manifest('team/app')} Bearer tok-1`,
      `GET ${manifest('team/app')} Bearer tok-2`,
    ]);
  });

  it('a registry that 401s forever gets exactly one retry, and the 401 reaches the caller', async () => {
    server.use(
      http.get(
        `${REGISTRY}/v2/*`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': bearer({ realm: REALM, service: 'registry.test' }) },
          }),
      ),
      http.get(REALM, () => HttpResponse.json({ token: 'tok' })),
    );
    const authFetch = createAuthFetch();
    const res = await authFetch(manifest('team/app'));
    expect(res.status).toBe(401);
    expect(recorded).toHaveLength(3);
    recorded.length = 0;
    // Known registry, cached token rejected: evict, one fresh token, one retry, then the 401.
    const again = await authFetch(manifest('team/app'));
    expect(again.status).toBe(401);
    expect(trace()).toEqual([
      `GET ${manifest('team/app')} Bearer`,
      `GET ${tokenUrl('repository:team/app:pull')}`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
  });

  it('a 401 without a challenge is returned as is', async () => {
    server.use(http.get(`${REGISTRY}/v2/*`, () => new HttpResponse('no', { status: 401 })));
    const res = await createAuthFetch()(manifest('team/app'));
    expect(res.status).toBe(401);
    expect(recorded).toHaveLength(1);
  });

  it('a caller-set Authorization header is left alone', async () => {
    fakeRegistry();
    const res = await createAuthFetch()(manifest('team/app'), { headers: { authorization: 'Bearer mine' } });
    expect(res.status).toBe(401);
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
  });

  it('the configured extra scopes are asked for with every token', async () => {
    fakeRegistry({ expiresIn: 300 });
    await createAuthFetch({ scopes: ['repository:team/base:pull'] })(manifest('team/app'));
    expect(recorded[1]!.url).toBe(tokenUrl('repository:team/app:pull', 'repository:team/base:pull'));
  });

  it('a cross-repository mount asks for both scopes in one token', async () => {
    fakeRegistry({ expiresIn: 300 });
    const url = `${REGISTRY}/v2/team/app/blobs/uploads/?mount=sha256%3Aabc&from=library%2Fbase`;
    const res = await createAuthFetch()(url, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(recorded[1]!.url).toBe(tokenUrl('repository:library/base:pull', 'repository:team/app:pull,push'));
  });
});

describe('credentials', () => {
  it('sends Basic credentials to the realm and hands the provider its context', async () => {
    fakeRegistry({ expiresIn: 300, users: { alice: PASSWORD } });
    const contexts: unknown[] = [];
    const authFetch = createAuthFetch({
      credentials: (ctx) => {
        contexts.push(ctx);
        return { username: 'alice', password: PASSWORD };
      },
    });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded[1]!.headers.authorization).toBe(basic('alice', PASSWORD));
    expect(contexts).toEqual([
      { registry: 'registry.test', realm: REALM, service: 'registry.test', scopes: ['repository:team/app:pull'] },
    ]);
  });

  it("leaves out what the provider's context does not know (a Basic registry has no realm or service)", async () => {
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === basic('alice', PASSWORD)
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } }),
      ),
    );
    const contexts: object[] = [];
    const authFetch = createAuthFetch({
      credentials: (ctx) => {
        contexts.push(ctx);
        return { username: 'alice', password: PASSWORD };
      },
    });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(contexts.map((ctx) => Object.keys(ctx).sort())).toEqual([['registry', 'scopes']]);
  });

  it("a provider can withhold credentials from a realm off the registry's domain (docs/security.md recipe)", async () => {
    server.use(
      http.get(
        `${REGISTRY}/v2/*`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: { 'www-authenticate': bearer({ realm: 'https://auth.elsewhere.example/token' }) },
          }),
      ),
    );
    // The recipe: compare the last two labels of the realm's host and the registry's host.
    const site = (host: string) => host.replace(/:\d+$/, '').split('.').slice(-2).join('.');
    const authFetch = createAuthFetch({
      credentials: ({ registry, realm }) => {
        if (realm !== undefined && site(new URL(realm).host) !== site(registry)) {
          throw new CredentialProviderError(
            `The realm ${realm} is not on ${registry}'s domain: credentials withheld.`,
            registry,
          );
        }
        return { username: 'alice', password: PASSWORD };
      },
    });
    const error = await new Observed().catch(authFetch(manifest('team/app')));
    expect(error).toBeInstanceOf(CredentialProviderError);
    expect((error as Error).message).toBe(
      "The realm https://auth.elsewhere.example/token is not on registry.test's domain: credentials withheld.",
    );
    expect(trace()).toEqual([`GET ${manifest('team/app')}`]); // the realm was never asked
  });

  it("keeps tokens of different credentials apart: once the provider answers bob, alice's tokens serve no request", async () => {
    fakeRegistry({ expiresIn: 300 });
    let user = 'alice';
    const authFetch = createAuthFetch({ credentials: () => ({ username: user, password: `${user}-pw` }) });
    await authFetch(manifest('team/app'));
    user = 'bob';
    // A warm request asks no provider: alice's token still serves the scope it was fetched for.
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    // A new scope needs a token: the provider is asked, and now answers bob.
    recorded.length = 0;
    await authFetch(manifest('team/other'));
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/other:pull')} Basic`,
      `GET ${manifest('team/other')} Bearer`,
    ]);
    expect(recorded[0]!.headers.authorization).toBe(basic('bob', 'bob-pw'));
    // From then on the registry's requests are bob's: alice's cached token for team/app is not his.
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/app:pull')} Basic`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(recorded[0]!.headers.authorization).toBe(basic('bob', 'bob-pw'));
  });

  it('an access-token credential is sent as is, without a token fetch', async () => {
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === 'Bearer given'
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': bearer({ realm: REALM }) } }),
      ),
    );
    const authFetch = createAuthFetch({ credentials: { accessToken: 'given' } });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest('team/app')}`, `GET ${manifest('team/app')} Bearer`]);
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
  });
});

describe('Basic registries', () => {
  it('answers a Basic challenge with the credentials and remembers it per registry', async () => {
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === basic('AWS', PASSWORD)
          ? new HttpResponse('ok')
          : new HttpResponse(null, {
              status: 401,
              headers: { 'www-authenticate': 'BASIC realm="https://registry.test/",service="ecr.amazonaws.com"' },
            }),
      ),
    );
    const authFetch = createAuthFetch({ credentials: { username: 'AWS', password: PASSWORD } });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest('team/app')}`, `GET ${manifest('team/app')} Basic`]);
    recorded.length = 0;
    expect((await authFetch(manifest('other/repo'))).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest('other/repo')} Basic`]);
  });

  it('prefers Bearer over Basic and unknown schemes whatever the order', async () => {
    fakeRegistry({ expiresIn: 300 });
    server.use(
      http.get(
        `${REGISTRY}/v2/team/app/manifests/first`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: {
              'www-authenticate': `Negotiate, Basic realm="x", ${bearer({ realm: REALM, service: 'registry.test', scope: 'repository:team/app:pull' })}`,
            },
          }),
      ),
    );
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } });
    await authFetch(manifest('team/app', 'first'));
    expect(recorded[1]!.url).toBe(tokenUrl('repository:team/app:pull'));
  });

  it('refuses to send Basic credentials to a plain-http registry that is not on this machine', async () => {
    server.use(
      http.get(
        'http://registry.plain/v2/*',
        () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }),
      ),
    );
    const seen = new Observed();
    const authFetch = createAuthFetch({
      credentials: { username: 'alice', password: PASSWORD },
      onEvent: seen.onEvent,
    });
    const error = await seen.catch(authFetch('http://registry.plain/v2/team/app/manifests/latest'));
    expect(error).toMatchObject({ name: 'InsecureRealmError', code: 'INSECURE_REALM' });
    expect(recorded).toHaveLength(1);
    seen.expectNoSecrets();
    // allowed when the user says so
    const allowed = createAuthFetch({
      credentials: { username: 'alice', password: PASSWORD },
      allowInsecureRealm: ['registry.plain'],
    });
    expect((await allowed('http://registry.plain/v2/team/app/manifests/latest')).status).toBe(401);
    expect(recorded.at(-1)!.headers.authorization).toBe(basic('alice', PASSWORD));
  });
});
