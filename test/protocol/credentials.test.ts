// When credentials are asked for, and what a wrong one says: providers run only when a token must be fetched (or,
// for a Basic registry, once per credentialTtlMs); bad shapes are typed errors that name the field, never the value.

import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch, CredentialProviderError, MemoryTokenCache, OciAuthError } from '../../src/index.ts';
import type { CredentialContext, CredentialProvider } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { basic, bearer, recorded, server, trace, useMsw } from '../support/msw.ts';
import { PASSWORD } from '../support/secrets.ts';

useMsw();

const manifest = (repo: string) => `${REGISTRY}/v2/${repo}/manifests/latest`;
const tokenUrl = (scope: string) => `${REALM}?service=registry.test&scope=${encodeURIComponent(scope)}`;

/** A provider that counts its calls and keeps what it was told. */
function counting(
  answer: (ctx: CredentialContext) => ReturnType<CredentialProvider> = () => ({
    username: 'alice',
    password: PASSWORD,
  }),
) {
  const calls: CredentialContext[] = [];
  const provider: CredentialProvider = (ctx) => {
    calls.push(ctx);
    return answer(ctx);
  };
  return { provider, calls };
}

describe('a credential provider is asked only when a token must be fetched', () => {
  it('cold: once; warm: never; 20 concurrent cold requests for a new scope: once; expiry: once; rejection: once', async () => {
    let clock = 0;
    const fake = fakeRegistry({ expiresIn: 300 });
    const { provider, calls } = counting();
    const authFetch = createAuthFetch({ credentials: provider, now: () => clock });

    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(calls).toEqual([
      { registry: 'registry.test', realm: REALM, service: 'registry.test', scopes: ['repository:team/app:pull'] },
    ]);
    for (let i = 0; i < 4; i++) expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(calls).toHaveLength(1);

    const burst = await Promise.all(Array.from({ length: 20 }, () => authFetch(manifest('team/other'))));
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.scopes).toEqual(['repository:team/other:pull']);

    clock = 295_000; // past the 10 s margin of a 300 s token: it must be replaced
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${tokenUrl('repository:team/app:pull')} Basic`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(calls).toHaveLength(3);

    fake.revokeAll(); // the registry rejects the token: the retry fetches one, with the credential asked again
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(trace()).toEqual([
      `GET ${manifest('team/app')} Bearer`,
      `GET ${tokenUrl('repository:team/app:pull')} Basic`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(calls).toHaveLength(4);
  });

  it('a Basic registry: the answer is reused for credentialTtlMs, and asked again after the registry refused it', async () => {
    let clock = 0;
    let accepted = basic('alice', PASSWORD);
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === accepted
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } }),
      ),
    );
    let password = PASSWORD;
    const { provider, calls } = counting(() => ({ username: 'alice', password }));
    const authFetch = createAuthFetch({ credentials: provider, credentialTtlMs: 60_000, now: () => clock });
    for (let i = 0; i < 5; i++) expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({ registry: 'registry.test', scopes: ['repository:team/app:pull'] });
    clock = 60_000;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(calls).toHaveLength(2);
    // The password rotates: the registry refuses the remembered one, the provider is asked for the new one.
    password = 'rotated-password';
    accepted = basic('alice', password);
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(calls).toHaveLength(3);
    expect(recorded.map((r) => r.headers.authorization)).toEqual([
      basic('alice', PASSWORD),
      basic('alice', 'rotated-password'),
    ]);
  });

  it('two auth fetches sharing a cache: the same credential shares tokens, another never gets them', async () => {
    fakeRegistry({ expiresIn: 300 });
    const cache = new MemoryTokenCache();
    const alice = counting(() => ({ username: 'alice', password: PASSWORD }));
    const alsoAlice = counting(() => ({ username: 'alice', password: PASSWORD }));
    const bob = counting(() => ({ username: 'bob', password: 'bob-password' }));
    await createAuthFetch({ credentials: alice.provider, cache })(manifest('team/app'));
    recorded.length = 0;
    // Another auth fetch learns the registry from the shared cache: its provider once, then alice's cached token.
    await createAuthFetch({ credentials: alsoAlice.provider, cache })(manifest('team/app'));
    expect(trace()).toEqual([`GET ${manifest('team/app')} Bearer`]);
    expect(recorded[0]!.headers.authorization).toBe('Bearer tok-1');
    recorded.length = 0;
    // Bob's credential would go to a realm on another origin that only the cache named: the registry names it first.
    await createAuthFetch({ credentials: bob.provider, cache })(manifest('team/app'));
    expect(trace()).toEqual([
      `GET ${REGISTRY}/v2/`,
      `GET ${tokenUrl('repository:team/app:pull')} Basic`,
      `GET ${manifest('team/app')} Bearer`,
    ]);
    expect(recorded[1]!.headers.authorization).toBe(basic('bob', 'bob-password'));
    expect(recorded[2]!.headers.authorization).toBe('Bearer tok-2');
    expect([alice.calls.length, alsoAlice.calls.length, bob.calls.length]).toEqual([1, 1, 1]);
  });
});

describe('bad credential values: a typed error naming the field, never the value', () => {
  const option = (credentials: unknown) => {
    try {
      createAuthFetch({ credentials: credentials as never });
    } catch (error) {
      return error as OciAuthError;
    }
    throw new Error('expected createAuthFetch to refuse the option');
  };

  it.each([
    ['a string', 'alice:secret-in-a-string', 'it is a string, not an object'],
    [
      '{ user, pass }',
      { user: 'alice', pass: 'secret-in-pass' },
      'it has no `username`, `refreshToken` or `accessToken`',
    ],
    ['{ username } alone', { username: 'alice' }, '`password` is missing or empty'],
    [
      'password: undefined (an unset environment variable)',
      { username: 'alice', password: undefined },
      '`password` is missing or empty',
    ],
    ['{}', {}, 'it has no `username`'],
    ['a numeric password', { username: 'alice', password: 1234 }, '`password` is not a string'],
    [
      'an access token with a line break',
      { accessToken: 'abc\r\ndef-secret' },
      '`accessToken` holds characters an HTTP header cannot carry',
    ],
    ['null', null, 'it is null, not an object'],
  ])('%s is CREDENTIALS_INVALID when the auth fetch is created', (_name, value, says) => {
    const error = option(value);
    expect(error).toBeInstanceOf(OciAuthError);
    expect(error.code).toBe('CREDENTIALS_INVALID');
    expect(error.message).toContain(says);
    expect(inspect(error)).not.toMatch(/secret-in|def-secret|1234/);
  });

  it('a provider answering { user, pass } or { username } is a CredentialProviderError naming the field', async () => {
    fakeRegistry({ expiresIn: 300 });
    for (const [answer, says] of [
      [{ user: 'alice', pass: 'secret-in-pass' }, 'it has no `username`'],
      [{ username: 'alice' }, '`password` is missing or empty'],
    ] as const) {
      const error = await createAuthFetch({ credentials: () => answer as never })(manifest('team/app')).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredentialProviderError);
      expect((error as Error).message).toContain(says);
      expect(inspect(error)).not.toContain('secret-in-pass');
    }
  });

  it('a provider that throws: CredentialProviderError with the error kind only, no cause that could print a secret', async () => {
    fakeRegistry({ expiresIn: 300 });
    const error = (await createAuthFetch({
      credentials: () => {
        throw new TypeError('vault said: vault-secret-value');
      },
    })(manifest('team/app')).catch((e: unknown) => e)) as CredentialProviderError;
    expect(error).toBeInstanceOf(CredentialProviderError);
    expect(error.code).toBe('CREDENTIAL_PROVIDER');
    expect(error.message).toContain('it threw a TypeError');
    expect(error.cause).toBeUndefined();
    expect(inspect(error, { depth: 10 })).not.toContain('vault-secret-value');
  });

  it.each([
    ['a line break (base64 wrapped at 76 columns)', 'abcdefgh\r\nijklmnop-token-secret'],
    ['a NUL', 'abc\u0000def-token-secret'],
    ['a character above U+00FF', 'abc\u2028def-token-secret'],
    ['a space', 'abc def-token-secret'],
  ])('a token endpoint answering a token with %s: TOKEN_RESPONSE_INVALID, without the token', async (_name, token) => {
    fakeRegistry({ tokenResponse: () => HttpResponse.json({ token, expires_in: 300 }) });
    const error = (await createAuthFetch()(manifest('team/app')).catch((e: unknown) => e)) as OciAuthError;
    expect(error).toBeInstanceOf(OciAuthError);
    expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(error.message).toContain('cannot be sent in an Authorization header');
    expect(inspect(error)).not.toContain('token-secret');
  });
});

describe('a provider answering access tokens for a token registry', () => {
  /** A registry that takes the bearer tokens in `valid` (and those its realm issues, tok-1, tok-2, …). */
  function registry(valid: Set<string>) {
    let issued = 0;
    server.use(
      http.get(REALM, () => {
        const token = `tok-${++issued}`;
        valid.add(token);
        return HttpResponse.json({ token, expires_in: 300 });
      }),
      http.get(`${REGISTRY}/v2/*`, ({ request }) => {
        const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
        if (token !== undefined && valid.has(token)) return new HttpResponse('ok');
        const challenge = bearer({
          realm: REALM,
          service: 'registry.test',
          scope: 'repository:team/app:pull',
          ...(token && { error: 'invalid_token' }),
        });
        return new HttpResponse(null, { status: 401, headers: { 'www-authenticate': challenge } });
      }),
    );
  }
  const sent = () =>
    recorded.map((r) => `${r.url === manifest('team/app') ? 'registry' : r.url} ${r.headers.authorization ?? '-'}`);

  it('the access token goes as it is (no token request); refused, the provider is asked again', async () => {
    const valid = new Set(['access-1']);
    registry(valid);
    const { provider, calls } = counting(() => ({ accessToken: `access-${calls.length}` }));
    const authFetch = createAuthFetch({ credentials: provider });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(sent()).toEqual(['registry -', 'registry Bearer access-1']);
    // The registry no longer takes access-1: the retry asks the provider, whose new answer goes as it is.
    valid.delete('access-1');
    valid.add('access-2');
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(sent()).toEqual(['registry Bearer access-1', 'registry Bearer access-2']);
    expect(calls).toHaveLength(2);
  });

  it('a provider that answers a password after its access token was refused gets the token flow, not Basic', async () => {
    const valid = new Set(['access-1']);
    registry(valid);
    const { provider } = counting(() =>
      valid.has('access-1') ? { accessToken: 'access-1' } : { username: 'alice', password: PASSWORD },
    );
    const authFetch = createAuthFetch({ credentials: provider });
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    valid.delete('access-1');
    recorded.length = 0;
    expect((await authFetch(manifest('team/app'))).status).toBe(200);
    expect(sent()).toEqual([
      'registry Bearer access-1',
      `${tokenUrl('repository:team/app:pull')} ${basic('alice', PASSWORD)}`,
      'registry Bearer tok-1',
    ]);
  });
});

describe('challenge answered without a realm to a request that carried nothing', () => {
  it('an anonymous request to a Basic registry gets the 401 itself', async () => {
    server.use(
      http.get(
        `${REGISTRY}/v2/*`,
        () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }),
      ),
    );
    const res = await createAuthFetch()(manifest('team/app'));
    expect(res.status).toBe(401);
    expect(trace()).toEqual([`GET ${manifest('team/app')}`]);
  });

  it('a bearer challenge is still answered with the registry token flow after validation', async () => {
    server.use(
      http.get(`${REGISTRY}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === 'Bearer given'
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': bearer({ realm: REALM }) } }),
      ),
    );
    expect((await createAuthFetch({ credentials: { accessToken: 'given' } })(manifest('team/app'))).status).toBe(200);
  });
});
