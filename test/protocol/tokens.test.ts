// Token requests: GET vs OAuth2 POST, fallbacks, refresh tokens, and every malformed answer.

import { http, HttpResponse } from 'msw';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createAuthFetch, TokenRequestError, TokenResponseError } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { basic, recorded, server, trace, useMsw } from '../support/msw.ts';
import { ACCESS, Observed, PASSWORD, REFRESH } from '../support/secrets.ts';

useMsw();

const manifest = (repo: string) => `${REGISTRY}/v2/${repo}/manifests/latest`;
const form = (i: number) => Object.fromEntries(new URLSearchParams(recorded[i]!.body));

/** Registry that accepts any token from the fake realm, with a custom realm behaviour. */
function realm(handler: Parameters<typeof http.all>[1]) {
  fakeRegistry({ tokenResponse: () => new Response('unused') });
  server.use(http.all(REALM, handler));
}

/** Requests the SDK sent to the token endpoint. */
const realmRequests = () => recorded.filter((r) => r.url.startsWith(REALM));

/** Waits (a bounded number of turns of the event loop, never a guessed delay) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}

describe('OAuth2 POST and refresh tokens', () => {
  it('uses the refresh grant for an identity token, and keeps the refresh token the server returns', async () => {
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: async (req) => {
        n++;
        const token = `tok-${n}`;
        fake.tokens.set(token, (new URLSearchParams(await req.text()).get('scope') ?? '').split(' '));
        return HttpResponse.json({ access_token: token, expires_in: 300, refresh_token: `rotated-${REFRESH}-${n}` });
      },
    });
    const seen = new Observed();
    const authFetch = createAuthFetch({
      credentials: { refreshToken: REFRESH },
      clientId: 'my-tool',
      onEvent: seen.onEvent,
    });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded[1]!.method).toBe('POST');
    expect(recorded[1]!.url).toBe(REALM);
    expect(recorded[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(form(1)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      service: 'registry.test',
      client_id: 'my-tool',
      scope: 'repository:team/app:pull',
    });
    recorded.length = 0;
    expect((await authFetch(manifest('team/other'))).status).toBe(200);
    expect(form(0)).toMatchObject({ grant_type: 'refresh_token', refresh_token: `rotated-${REFRESH}-1` });
    expect(seen.events.find((e) => e.type === 'token')).toMatchObject({ grant: 'refresh_token' });
    seen.expectNoSecrets([`rotated-${REFRESH}-1`, `rotated-${REFRESH}-2`]);
  });

  it('with passwordGrant, uses grant_type=password once, then the refresh token it got', async () => {
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: async (req) => {
        n++;
        fake.tokens.set(`tok-${n}`, (new URLSearchParams(await req.text()).get('scope') ?? '').split(' '));
        return HttpResponse.json({ token: `tok-${n}`, expires_in: 300, refresh_token: 'server-refresh' });
      },
    });
    const authFetch = createAuthFetch({ credentials: { username: 'alice', password: PASSWORD }, passwordGrant: true });
    await authFetch(manifest('team/app'));
    expect(form(1)).toEqual({
      grant_type: 'password',
      username: 'alice',
      password: PASSWORD,
      service: 'registry.test',
      client_id: 'oci-auth-fetch',
      scope: 'repository:team/app:pull',
    });
    recorded.length = 0;
    await authFetch(manifest('team/two'));
    expect(form(0)).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'server-refresh' });
  });

  for (const status of [404, 405, 400, 401]) {
    it(`falls back to GET with Basic when the POST answers ${status}`, async () => {
      let n = 0;
      const fake = fakeRegistry({
        tokenResponse: (req) => {
          if (req.method === 'POST')
            return new HttpResponse('<html>nope</html>', { status, headers: { 'content-type': 'text/html' } });
          n++;
          fake.tokens.set(`tok-${n}`, new URL(req.url).searchParams.getAll('scope'));
          return HttpResponse.json({ token: `tok-${n}`, expires_in: 300 });
        },
      });
      const authFetch = createAuthFetch({ credentials: { refreshToken: REFRESH, username: 'alice' } });
      expect((await authFetch(manifest('team/app'))).status).toBe(200);
      expect(trace()).toEqual([
        `GET ${manifest('team/app')}`,
        `POST ${REALM}`,
        `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull Basic`,
        `GET ${manifest('team/app')} Bearer`,
      ]);
      expect(recorded[2]!.headers.authorization).toBe(basic('alice', REFRESH));
      recorded.length = 0;
      await authFetch(manifest('team/two'));
      // 404/405 mean "no POST here" for good: the next token goes straight to GET.
      expect(recorded[0]!.method).toBe(status === 404 || status === 405 ? 'GET' : 'POST');
    });
  }
});

describe('answers that only lead to a fallback or a retry are not read', () => {
  const big = 'x'.repeat(5_000); // over the maxTokenResponseBytes below

  it('a POST answered 405 with a body over the size bound still falls back to GET', async () => {
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: (req) => {
        if (req.method === 'POST') return new HttpResponse(big, { status: 405 });
        fake.tokens.set(`tok-${++n}`, new URL(req.url).searchParams.getAll('scope'));
        return HttpResponse.json({ token: `tok-${n}` });
      },
    });
    const authFetch = createAuthFetch({ credentials: { refreshToken: REFRESH }, maxTokenResponseBytes: 1000 });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(
      trace()
        .filter((line) => line.includes(REALM))
        .map((line) => line.split(' ')[0]),
    ).toEqual(['POST', 'GET']);
  });

  it('a GET answered 503 with a body over the size bound is retried, not reported as an invalid answer', async () => {
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: (req) => {
        if (++n === 1) return new HttpResponse(big, { status: 503, headers: { 'retry-after': '0' } });
        fake.tokens.set(`tok-${n}`, new URL(req.url).searchParams.getAll('scope'));
        return HttpResponse.json({ token: `tok-${n}` });
      },
    });
    const authFetch = createAuthFetch({ maxTokenResponseBytes: 1000 });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(2);
  });
});

describe('token responses', () => {
  const cases: Array<[string, () => Response, string, RegExp]> = [
    ['a body that is not JSON', () => new Response('{oops', { status: 200 }), 'TOKEN_RESPONSE_INVALID', /not JSON/],
    [
      'an HTML page with 200',
      () => new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }),
      'TOKEN_RESPONSE_INVALID',
      /not JSON/,
    ],
    ['a JSON array', () => HttpResponse.json([1]), 'TOKEN_RESPONSE_INVALID', /not an object/],
    [
      'JSON null',
      () => new Response('null', { headers: { 'content-type': 'application/json' } }),
      'TOKEN_RESPONSE_INVALID',
      /JSON that is not an object/,
    ],
    [
      'a JSON number',
      () => new Response('42', { headers: { 'content-type': 'application/json' } }),
      'TOKEN_RESPONSE_INVALID',
      /JSON that is not an object/,
    ],
    [
      'a JSON string',
      () => new Response('"tok-in-a-string"', { headers: { 'content-type': 'application/json' } }),
      'TOKEN_RESPONSE_INVALID',
      /JSON that is not an object/,
    ],
    [
      'no token field',
      () => HttpResponse.json({ expires_in: 60 }),
      'TOKEN_RESPONSE_INVALID',
      /no `token` or `access_token`/,
    ],
    ['an empty token', () => HttpResponse.json({ token: '' }), 'TOKEN_RESPONSE_INVALID', /empty or not a string/],
    [
      'a token that is a number',
      () => HttpResponse.json({ token: 42 }),
      'TOKEN_RESPONSE_INVALID',
      /empty or not a string/,
    ],
    [
      'a body over the size bound',
      () => new Response(`{"token":"${'x'.repeat(2_000_000)}"}`),
      'TOKEN_RESPONSE_INVALID',
      /larger than 1048576 bytes/,
    ],
    [
      'a 500 HTML page',
      () => new Response('<html>oops</html>', { status: 500, headers: { 'content-type': 'text/html' } }),
      'TOKEN_REQUEST_FAILED',
      /HTTP 500 \(an HTML page\)/,
    ],
    [
      'a 401 with distribution errors',
      () =>
        HttpResponse.json({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { status: 401 }),
      'TOKEN_DENIED',
      /HTTP 401 UNAUTHORIZED: authentication required/,
    ],
    [
      'a 403 with Docker Hub details',
      () => HttpResponse.json({ details: 'incorrect username or password' }, { status: 403 }),
      'TOKEN_DENIED',
      /incorrect username or password/,
    ],
    [
      'a 400 OAuth2 error',
      () => HttpResponse.json({ error: 'invalid_scope', error_description: 'bad scope' }, { status: 400 }),
      'TOKEN_REQUEST_FAILED',
      /HTTP 400 invalid_scope: bad scope/,
    ],
    [
      'a 429',
      () => new Response('slow down', { status: 429 }),
      'TOKEN_REQUEST_FAILED',
      /HTTP 429 slow down\)\. It may be overloaded/,
    ],
  ];
  for (const [what, respond, code, message] of cases) {
    it(`rejects ${what} with a typed error (${code})`, async () => {
      realm(() => respond());
      const seen = new Observed();
      // tokenRetries: 0 — the outcome after retries is the same error; retries have their own tests below
      const authFetch = createAuthFetch({
        credentials: { username: 'alice', password: PASSWORD },
        onEvent: seen.onEvent,
        tokenRetries: 0,
      });
      const error = await seen.catch(authFetch(manifest('team/app')));
      expect(error).toBeInstanceOf(code.startsWith('TOKEN_RESPONSE') ? TokenResponseError : TokenRequestError);
      expect(error).toMatchObject({ code, realm: REALM });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain('https://auth.test/token');
      // One token request: a refused credential is not sent again (only a refresh token the realm issued is
      // dropped for the credential).
      expect(realmRequests()).toHaveLength(1);
      expect(seen.events.at(-1)).toMatchObject({ type: 'error', registry: 'registry.test' });
      seen.expectNoSecrets();
    });
  }

  it('redacts a password a server echoes in its error', async () => {
    realm(() => HttpResponse.json({ details: `bad password ${PASSWORD} for alice` }, { status: 401 }));
    const seen = new Observed();
    const error = await seen.catch(
      createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } })(manifest('team/app')),
    );
    expect((error as Error).message).toContain('bad password [redacted] for alice');
    seen.expectNoSecrets();
  });

  it('redacts the Basic value and a URL- or form-encoded password a server echoes', async () => {
    const password = 'p@ss word/+';
    const formEncoded = new URLSearchParams({ password }).toString().slice('password='.length);
    realm(
      ({ request }) =>
        new HttpResponse(
          `denied: ${request.headers.get('authorization')} ${encodeURIComponent(password)} ${formEncoded}`,
          { status: 401 },
        ),
    );
    const seen = new Observed();
    const error = await seen.catch(
      createAuthFetch({ credentials: { username: 'alice', password } })(manifest('team/app')),
    );
    expect((error as Error).message).toContain('denied: Basic [redacted] [redacted] [redacted]');
    expect((error as TokenRequestError).serverMessage).toBe('denied: Basic [redacted] [redacted] [redacted]');
  });

  it('a realm that hangs past tokenTimeoutMs ends in TOKEN_TIMEOUT', async () => {
    realm(() => new Promise<Response>(() => {}));
    const seen = new Observed();
    const error = await seen.catch(createAuthFetch({ tokenTimeoutMs: 200 })(manifest('team/app')));
    expect(error).toMatchObject({ code: 'TOKEN_TIMEOUT', realm: REALM });
    expect((error as Error).message).toMatch(/did not answer within 200 ms/);
  });

  it('a realm that cannot be reached ends in TOKEN_REQUEST_FAILED', async () => {
    realm(() => HttpResponse.error());
    const error = await new Observed().catch(createAuthFetch()(manifest('team/app')));
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED' });
    expect((error as Error).message).toMatch(/The token endpoint https:\/\/auth\.test\/token could not be reached/);
  });

  it('retries a token GET after 503, 429 with Retry-After, and a dropped connection, then succeeds', async () => {
    const answers = [
      () => new Response('busy', { status: 503 }),
      () => new Response('slow down', { status: 429, headers: { 'retry-after': '0' } }),
      () => HttpResponse.error(),
    ];
    for (const fail of answers) {
      let n = 0;
      const fake = fakeRegistry({
        tokenResponse: () => {
          if (n++ === 0) return fail();
          fake.tokens.set('tok-ok', ['repository:team/app:pull']);
          return HttpResponse.json({ token: 'tok-ok', expires_in: 300 });
        },
      });
      const res = await createAuthFetch()(manifest('team/app'));
      expect(res.status).toBe(200);
      expect(trace()).toEqual([
        `GET ${manifest('team/app')}`,
        `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
        `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
        `GET ${manifest('team/app')} Bearer`,
      ]);
      recorded.length = 0;
      server.resetHandlers();
    }
  });

  it('does not retry a Retry-After longer than 10 s, nor a POST grant', async () => {
    realm(() => new Response('later', { status: 503, headers: { 'retry-after': '3600' } }));
    await expect(createAuthFetch()(manifest('team/app'))).rejects.toMatchObject({
      code: 'TOKEN_REQUEST_FAILED',
      status: 503,
    });
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(1);
    recorded.length = 0;
    realm(() => new Response('busy', { status: 503 }));
    await expect(
      createAuthFetch({ credentials: { refreshToken: REFRESH } })(manifest('team/app')),
    ).rejects.toMatchObject({ status: 503 });
    expect(recorded.filter((r) => r.url.startsWith(REALM)).map((r) => r.method)).toEqual(['POST']);
  });

  it('access_token wins over token; expires_in may be a string', async () => {
    let clock = 1_000_000;
    const fake = fakeRegistry({
      tokenResponse: () => HttpResponse.json({ token: 'tok-old', access_token: 'tok-new', expires_in: '120' }),
    });
    fake.tokens.set('tok-new', ['repository:team/app:pull']);
    const authFetch = createAuthFetch({ now: () => clock });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded[2]!.headers.authorization).toBe('Bearer tok-new');
    clock += 100_000; // 100 s of 120: still fresh
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(recorded).toHaveLength(1);
  });

  it('an expires_in of 1e999 does not cache the token forever: it is replaced after the default 60 s', async () => {
    let clock = 1_000_000;
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: () => {
        fake.tokens.set(`tok-${++n}`, ['repository:team/app:pull']);
        return new Response(`{"token":"tok-${n}","expires_in":1e999}`, {
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    const authFetch = createAuthFetch({ now: () => clock });
    await authFetch(manifest('team/app'));
    clock += 44_000; // before 60 s minus the 10 s margin: still cached
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    clock += 7_000; // 51 s: within the margin, replaced
    recorded.length = 0;
    await authFetch(manifest('team/app'));
    expect(trace()).toEqual([
      `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(recorded[1]!.headers.authorization).toBe('Bearer tok-2');
  });

  it('a token failure reaches every concurrent waiter, is not cached, and the next call succeeds', async () => {
    let fail = true;
    const fake = fakeRegistry({
      tokenResponse: async () => {
        await new Promise((r) => setTimeout(r, 20));
        if (fail) return new Response('down', { status: 503 });
        fake.tokens.set('tok-ok', ['repository:team/app:pull']);
        return HttpResponse.json({ token: 'tok-ok', expires_in: 300 });
      },
    });
    const authFetch = createAuthFetch();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => authFetch(manifest('team/app'))));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as TokenRequestError).status === 503)).toBe(true);
    // one shared fetch: the first try and its two retries
    expect(recorded.filter((r) => r.url.startsWith(REALM))).toHaveLength(3);
    fail = false;
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
  });

  it("one caller's abort ends its own wait, not the shared token fetch", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const requested = new Promise<void>((r) => (arrived = r));
    const fake = fakeRegistry({
      tokenResponse: async () => {
        arrived();
        await gate;
        fake.tokens.set('tok-shared', ['repository:team/app:pull']);
        return HttpResponse.json({ token: 'tok-shared', expires_in: 300 });
      },
    });
    const authFetch = createAuthFetch();
    const controller = new AbortController();
    const a = authFetch(manifest('team/app'), { signal: controller.signal });
    const b = authFetch(manifest('team/app'));
    // Abort once the shared token request is with the realm (a waits on it), not after a guessed delay.
    await requested;
    const reason = new Error('caller gave up');
    controller.abort(reason);
    // toBe, not toThrow: `rejects.toThrow(message)` also passes when the promise rejects with undefined.
    await expect(a).rejects.toBe(reason);
    release();
    expect((await b).status).toBe(200);
    expect(realmRequests()).toHaveLength(1);
  });

  it('a caller whose signal is aborted before its token is awaited stops at once, without waiting for the realm', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let answered = false;
    const fake = fakeRegistry({
      tokenResponse: async () => {
        await held;
        fake.tokens.set('tok-late', ['repository:team/app:pull']);
        answered = true;
        return HttpResponse.json({ token: 'tok-late', expires_in: 300 });
      },
    });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    // The caller gives up while the registry's challenge is being answered, before any token is awaited.
    const authFetch = createAuthFetch({ onEvent: (e) => e.type === 'challenge' && controller.abort(reason) });
    let outcome: unknown = 'pending';
    void authFetch(manifest('team/app'), { signal: controller.signal }).then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    try {
      // The realm holds its answer throughout: the caller's wait must end without it.
      await until(() => outcome !== 'pending');
      expect(outcome).toBe(reason);
    } finally {
      release();
    }
    // The token fetch itself goes on (it is shared work): let it end here, not in the next test.
    await until(() => answered);
  });

  it('a long-lived signal keeps none of the listeners the SDK adds to it once its requests are done', async () => {
    fakeRegistry({ expiresIn: 300 });
    // The fetch underneath leaves the caller's signal alone, so that only the SDK's own listeners are counted.
    const authFetch = createAuthFetch({ fetch: (input, init) => fetch(input, { ...init, signal: null }) });
    const controller = new AbortController();
    // Each request waits for a token fetch of its own (a new repository each time) with the caller's signal.
    for (const repo of ['team/one', 'team/two', 'team/three']) {
      expect((await authFetch(manifest(repo), { signal: controller.signal })).status).toBe(200);
    }
    expect(realmRequests()).toHaveLength(3);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  it('a token fetched in the same millisecond as the spent one it replaces takes its place in the cache', async () => {
    const clock = 1_000_000;
    let n = 0;
    const fake = fakeRegistry({
      tokenResponse: () => {
        const token = `tok-${++n}`;
        fake.tokens.set(token, ['repository:team/app:pull']);
        // The first is a token the server had cached, issued a whole lifetime ago: spent when it arrives.
        return HttpResponse.json(
          n === 1
            ? { token, expires_in: 1, issued_at: new Date(clock - 1000).toISOString() }
            : { token, expires_in: 300 },
        );
      },
    });
    const authFetch = createAuthFetch({ now: () => clock });
    expect((await authFetch(manifest('team/app'))).status).toBe(200); // tok-1, used by the request that fetched it
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200); // tok-1 is spent: tok-2
    expect(trace()).toEqual([
      `GET ${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(recorded.map((r) => `${r.url} ${r.headers.authorization}`)).toEqual([
      `${manifest('team/app')} Bearer tok-2`,
    ]);
  });

  it('never puts a credential or token in events', async () => {
    fakeRegistry({ expiresIn: 300 });
    const seen = new Observed();
    const authFetch = createAuthFetch({
      credentials: { username: 'alice', password: PASSWORD },
      onEvent: seen.onEvent,
    });
    await authFetch(manifest('team/app'));
    await authFetch(manifest('team/app'));
    const withAccess = createAuthFetch({ credentials: { accessToken: ACCESS }, onEvent: seen.onEvent });
    await withAccess(manifest('team/app'));
    expect(seen.events.length).toBeGreaterThan(3);
    seen.expectNoSecrets(['tok-1']);
  });
});
