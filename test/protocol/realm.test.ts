// What a token request sends and what a failing realm becomes: the OAuth2 form's optional fields, the fetch options,
// a realm that stalls, breaks off or cannot be reached (and why), a credential echoed back as the token, and the
// backoff between attempts of docker's GET (the delays asked of setTimeout are recorded; nothing waits for them).

import { HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthFetch, TokenRequestError, TokenResponseError } from '../../src/index.ts';
import type { AuthFetchOptions } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { bearer, useMsw } from '../support/msw.ts';
import { PASSWORD, REFRESH } from '../support/secrets.ts';

useMsw();

const manifest = `${REGISTRY}/v2/team/app/manifests/latest`;
const challenge = bearer({ realm: REALM, service: 'registry.test', scope: 'repository:team/app:pull' });

/**
 * A registry and its realm as a function (no network): the registry takes `Bearer tok-ok`, and the realm's n-th
 * request gets `realm(n, request, init)`.
 */
function inMemory(realm: (n: number, request: Request, init: RequestInit) => Response | Promise<Response>) {
  const sent: Array<{ request: Request; init: RequestInit }> = [];
  let n = 0;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request = new Request(input, init);
    sent.push({ request, init });
    if (request.url.startsWith(REALM)) return realm(++n, request, init);
    return request.headers.get('authorization') === 'Bearer tok-ok'
      ? new Response('ok')
      : new Response(null, { status: 401, headers: { 'www-authenticate': challenge } });
  };
  return { fetch, sent, realmRequests: () => sent.filter(({ request }) => request.url.startsWith(REALM)) };
}
const tokenOk = () => Response.json({ token: 'tok-ok', expires_in: 300 });

/** The error a call rejects with. */
async function failure(options: AuthFetchOptions): Promise<unknown> {
  return createAuthFetch(options)(manifest).then(
    () => expect.unreachable('the call succeeded'),
    (error: unknown) => error,
  );
}

describe('the OAuth2 form', () => {
  it('has no scope when the request needs none, and names several scopes separated by spaces', async () => {
    const forms: Record<string, string>[] = [];
    const fake = fakeRegistry({
      tokenResponse: async (request) => {
        const form = Object.fromEntries(new URLSearchParams(await request.text()));
        forms.push(form);
        const token = `tok-${forms.length}`;
        fake.tokens.set(token, (form.scope ?? '').split(' ').filter(Boolean));
        return HttpResponse.json({ access_token: token, expires_in: 300 });
      },
    });
    const authFetch = createAuthFetch({ credentials: { refreshToken: REFRESH } });
    expect((await authFetch(`${REGISTRY}/v2/`)).status).toBe(200);
    const mount = `${REGISTRY}/v2/team/app/blobs/uploads/?mount=sha256%3Aabc&from=team%2Fbase`;
    expect((await authFetch(mount, { method: 'POST' })).status).toBe(200);
    const grant = {
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      service: 'registry.test',
      client_id: 'oci-auth-fetch',
    };
    expect(forms).toEqual([grant, { ...grant, scope: 'repository:team/app:pull,push repository:team/base:pull' }]);
  });
});

describe('fetch options of token requests', () => {
  it('realmCredentials is the credentials mode of every token request (POST and GET), and of no registry request', async () => {
    const { fetch, sent } = inMemory((_n, request) =>
      request.method === 'POST' ? new Response(null, { status: 405 }) : tokenOk(),
    );
    const authFetch = createAuthFetch({ fetch, credentials: { refreshToken: REFRESH }, realmCredentials: 'include' });
    expect((await authFetch(manifest)).status).toBe(200);
    expect(
      sent.map(({ request, init }) => `${request.method} ${new URL(request.url).host} ${init.credentials}`),
    ).toEqual([
      'GET registry.test undefined',
      'POST auth.test include',
      'GET auth.test include',
      'GET registry.test undefined',
    ]);
  });
});

describe('a realm that fails', () => {
  /** A 200 whose body sends a few bytes, then `then(controller, init)`. */
  const stalled =
    (then: (controller: ReadableStreamDefaultController<Uint8Array>, init: RequestInit) => void) =>
    (_n: number, _r: Request, init: RequestInit) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"token":"tok'));
            then(controller, init);
          },
        }),
        { headers: { 'content-type': 'application/json' } },
      );

  it('sends its head, then stalls past tokenTimeoutMs: TOKEN_TIMEOUT with the status it sent, not retried', async () => {
    // The body ends when the token request's own deadline aborts it.
    const { fetch, realmRequests } = inMemory(
      stalled((controller, init) =>
        init.signal!.addEventListener('abort', () => controller.error(init.signal!.reason)),
      ),
    );
    const error = await failure({ fetch, tokenTimeoutMs: 50 });
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'TOKEN_TIMEOUT', status: 200, retryable: false });
    expect((error as Error).message).toBe(
      'The token endpoint https://auth.test/token did not answer within 50 ms. Check that it is up, or raise tokenTimeoutMs.',
    );
    expect(realmRequests()).toHaveLength(1);
  });

  it('breaks off after its head: the message says so, with the status and why; worth another try', async () => {
    const { fetch } = inMemory(stalled((controller) => controller.error(new TypeError('terminated'))));
    const error = await failure({ fetch, tokenRetries: 0 });
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 200, retryable: true });
    expect((error as Error).message).toBe(
      'The token endpoint https://auth.test/token broke off while answering (terminated). Check the network and DNS.',
    );
  });

  it('cannot be reached: the message says why (the cause a fetch gives, cut at 200 characters) or that it is unknown', async () => {
    const long = 'x'.repeat(300);
    const cases: Array<[unknown, string]> = [
      [
        new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND auth.test') }),
        'getaddrinfo ENOTFOUND auth.test',
      ],
      [new TypeError('Failed to fetch'), 'Failed to fetch'],
      [new TypeError('fetch failed', { cause: new Error(long) }), long.slice(0, 200)],
      ['a string, thrown', 'unknown error'],
    ];
    for (const [thrown, why] of cases) {
      const { fetch } = inMemory(() => {
        throw thrown;
      });
      const error = await failure({ fetch, tokenRetries: 0 });
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: undefined, retryable: true, cause: thrown });
      expect((error as Error).message).toBe(
        `The token endpoint https://auth.test/token could not be reached (${why}). Check the network and DNS.`,
      );
    }
  });
});

describe('a credential echoed back as the token', () => {
  const basicValue = Buffer.from(`alice:${PASSWORD}`).toString('base64');
  it.each([
    ['the password', { username: 'alice', password: PASSWORD }, PASSWORD],
    ['the Basic value', { username: 'alice', password: PASSWORD }, basicValue],
    ['the refresh token', { refreshToken: REFRESH }, REFRESH],
  ])('%s: TOKEN_RESPONSE_INVALID, and the token is not used', async (_name, credentials, echoed) => {
    const { fetch, sent } = inMemory(() => Response.json({ token: echoed, access_token: echoed }));
    const error = await failure({ fetch, credentials });
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID' });
    expect((error as Error).message).toBe(
      'The token endpoint https://auth.test/token echoed a credential back as the token.',
    );
    expect(sent.filter(({ request }) => request.headers.get('authorization') === `Bearer ${echoed}`)).toEqual([]);
  });
});

describe('backoff between attempts of the token GET', () => {
  let delays: number[];
  beforeEach(() => {
    delays = [];
    const realSetTimeout = globalThis.setTimeout;
    // Record the delay asked for and go on at once: the test counts, it does not wait.
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(callback, 0);
    }) as unknown as typeof setTimeout);
    vi.spyOn(Math, 'random').mockReturnValue(0.25); // jitter factor 0.8 + 0.25 × 0.4 = 0.9
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  /** The realm answers `busy` (a status with headers, or a thrown error) to its first attempts, then a token. */
  function busyThen(...busy: Array<Record<string, string> | Error>) {
    return inMemory((n) => {
      const now = busy[n - 1];
      if (now instanceof Error) throw now;
      return now ? new Response('busy', { status: 503, headers: now }) : tokenOk();
    });
  }

  it('without Retry-After: 200 ms, then 400 ms, each ±20% by Math.random; the same after a dropped connection', async () => {
    for (const busy of [{}, new TypeError('fetch failed')]) {
      delays = [];
      const { fetch, realmRequests } = busyThen(busy, busy);
      expect((await createAuthFetch({ fetch })(manifest)).status).toBe(200);
      expect(delays).toEqual([180, 360]);
      expect(realmRequests()).toHaveLength(3);
    }
  });

  it('Retry-After in seconds is waited for as given, up to 10 s; a longer one is reported at once', async () => {
    for (const [seconds, delay] of [
      ['1', 1000],
      ['10', 10_000],
    ] as const) {
      delays = [];
      const { fetch } = busyThen({ 'retry-after': seconds });
      expect((await createAuthFetch({ fetch })(manifest)).status).toBe(200);
      expect(delays).toEqual([delay]);
    }
    delays = [];
    const { fetch, realmRequests } = busyThen({ 'retry-after': '10.001' });
    expect(await failure({ fetch })).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 503 });
    expect(delays).toEqual([]);
    expect(realmRequests()).toHaveLength(1);
  });

  it('Retry-After as an HTTP date is the time until then, or none when it is past', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const { fetch } = busyThen(
      { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' },
      { 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' },
    );
    expect((await createAuthFetch({ fetch })(manifest)).status).toBe(200);
    expect(delays).toEqual([5000, 0]);
  });

  it('a Retry-After that is no delay (Infinity, a word) means the usual backoff', async () => {
    const { fetch } = busyThen({ 'retry-after': 'Infinity' }, { 'retry-after': 'soon' });
    expect((await createAuthFetch({ fetch })(manifest)).status).toBe(200);
    expect(delays).toEqual([180, 360]);
  });
});
