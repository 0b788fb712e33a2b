// Fault injection against the reference registry: every way a token endpoint or a registry can misbehave ends
// in the documented outcome (a retry with backoff where a GET allows it, else a typed error), within bounded
// time, the same for every concurrent waiter, and the next call after recovery succeeds. Counts, not timings.

import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthFetch, OciAuthError, TokenRequestError, TokenResponseError } from '../../src/index.ts';
import type { AuthFetchOptions } from '../../src/index.ts';
import type { TokenFault } from '../../reference/registry.ts';
import { bearerTokensIn } from '../../bench/lib/seed.ts';
import { Observed, PASSWORD } from '../support/secrets.ts';
import { startFaultProxy } from './support/fault-proxy.ts';
import type { FaultProxy } from './support/fault-proxy.ts';
import { seededRegistry, tokenEntries, until, USER, within } from './support/harness.ts';
import type { Seeded } from './support/harness.ts';

const seen = new Observed();
const tokensSeen = new Set<string>();
const credentials = { username: USER, password: PASSWORD };
let s: Seeded;

beforeEach(async () => {
  s = await seededRegistry();
});
afterEach(async () => {
  for (const t of bearerTokensIn(s.reg)) tokensSeen.add(t);
  await s.reg.close();
});
afterAll(() => {
  // Every event and error of this file, scanned for the password and every token the registry saw.
  expect(seen.events.length).toBeGreaterThan(0);
  expect(seen.errors.length).toBeGreaterThan(0);
  seen.expectNoSecrets([...tokensSeen]);
});

const authFetch = (extra: AuthFetchOptions = {}) => createAuthFetch({ credentials, onEvent: seen.onEvent, ...extra });

/** The error a call rejects with (recorded for the secret scan), within a generous bound. */
async function failure(promise: Promise<Response>): Promise<OciAuthError> {
  const error = await within(10_000, seen.catch(promise));
  expect(error).toBeInstanceOf(OciAuthError);
  return error as OciAuthError;
}

async function ok(promise: Promise<Response>): Promise<void> {
  const res = await within(10_000, promise);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

const html502: TokenFault = {
  status: 502,
  body: '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>',
  contentType: 'text/html',
};

interface Case {
  name: string;
  fault: TokenFault;
  code: string;
  status?: number;
  /** Token requests a persistent fault costs: 1 + tokenRetries when a GET may retry it, else 1. */
  attempts: number;
}

const cases: Case[] = [
  {
    name: '500',
    fault: { status: 500, body: 'internal error' },
    code: 'TOKEN_REQUEST_FAILED',
    status: 500,
    attempts: 3,
  },
  { name: '502 with an HTML body', fault: html502, code: 'TOKEN_REQUEST_FAILED', status: 502, attempts: 3 },
  { name: '503', fault: { status: 503 }, code: 'TOKEN_REQUEST_FAILED', status: 503, attempts: 3 },
  {
    name: '429 with Retry-After: 0',
    fault: { status: 429, headers: { 'Retry-After': '0' } },
    code: 'TOKEN_REQUEST_FAILED',
    status: 429,
    attempts: 3,
  },
  {
    name: '429 with a Retry-After of an hour (reported, not waited for)',
    fault: { status: 429, headers: { 'Retry-After': '3600' } },
    code: 'TOKEN_REQUEST_FAILED',
    status: 429,
    attempts: 1,
  },
  { name: 'a reset connection', fault: 'reset', code: 'TOKEN_REQUEST_FAILED', attempts: 3 },
  {
    name: 'a 10 MB body (declared)',
    fault: { status: 200, body: 'x'.repeat(10 * 1024 * 1024), contentType: 'application/json' },
    code: 'TOKEN_RESPONSE_INVALID',
    attempts: 1,
  },
  {
    name: 'invalid JSON',
    fault: { status: 200, body: '{"token": "abc", ', contentType: 'application/json' },
    code: 'TOKEN_RESPONSE_INVALID',
    attempts: 1,
  },
  {
    name: 'JSON without a token',
    fault: { status: 200, body: '{"expires_in": 300}', contentType: 'application/json' },
    code: 'TOKEN_RESPONSE_INVALID',
    attempts: 1,
  },
  {
    name: '400',
    fault: { status: 400, body: '{"errors":[{"code":"UNSUPPORTED"}]}', contentType: 'application/json' },
    code: 'TOKEN_REQUEST_FAILED',
    status: 400,
    attempts: 1,
  },
  {
    name: '401',
    fault: { status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}', contentType: 'application/json' },
    code: 'TOKEN_DENIED',
    status: 401,
    attempts: 1,
  },
];

describe('token endpoint faults (reference failTokenEndpoint)', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.code} after ${c.attempts} token request(s); the next call after recovery succeeds`, async () => {
      const af = authFetch();
      s.reg.failTokenEndpoint(c.fault);
      const error = await failure(af(s.manifestUrl()));
      expect(error.code).toBe(c.code);
      // Every case: the status the realm answered, or none when the connection was reset before an answer.
      expect((error as TokenRequestError).status).toBe(c.status);
      // Reset before any answer (no status): the message says the realm could not be reached.
      if (c.fault === 'reset')
        expect(error.message).toContain(`The token endpoint ${s.reg.realm} could not be reached (`);
      if (c.code === 'TOKEN_RESPONSE_INVALID') expect(error).toBeInstanceOf(TokenResponseError);
      expect(error.message).not.toContain('<html');
      await until(() => tokenEntries(s.reg).length === c.attempts);
      expect(s.reg.counts()).toMatchObject({ registry: 1, token: c.attempts });

      s.reg.failTokenEndpoint(undefined);
      s.reg.clearLog();
      await ok(af(s.manifestUrl()));
      // The registry's auth is known: one token, one request, no 401.
      expect(s.reg.counts()).toEqual({ total: 2, registry: 1, token: 1, unauthorized: 0 });
    });
  }

  it('the 502 HTML page is summarised, not quoted', async () => {
    s.reg.failTokenEndpoint(html502);
    const error = (await failure(authFetch({ tokenRetries: 0 })(s.manifestUrl()))) as TokenRequestError;
    expect(error.serverMessage).toBe('(an HTML page)');
    expect(error.message).not.toContain('Bad Gateway</h1>');
  });

  for (const c of cases.filter((k) => k.attempts > 1)) {
    it(`${c.name} once: absorbed by one retry, the caller sees 200`, async () => {
      s.reg.failTokenEndpoint(c.fault, 1);
      await ok(authFetch()(s.manifestUrl()));
      await until(() => tokenEntries(s.reg).length === 2);
      expect(tokenEntries(s.reg).map((e) => e.status)).toEqual([
        c.fault === 'reset' ? 0 : (c.fault as { status: number }).status,
        200,
      ]);
      expect(s.reg.counts()).toMatchObject({ registry: 2, token: 2, unauthorized: 1 });
    });
  }

  it('429 with Retry-After: 1 is waited for before the retry', async () => {
    s.reg.failTokenEndpoint({ status: 429, headers: { 'Retry-After': '1' } }, 1);
    await ok(authFetch()(s.manifestUrl()));
    const [first, second] = tokenEntries(s.reg);
    expect([first!.status, second!.status]).toEqual([429, 200]);
    // A lower bound only (the wait must have happened); never an upper one.
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(900);
  });

  it('tokenRetries: 0 turns retries off', async () => {
    s.reg.failTokenEndpoint({ status: 503 }, 1);
    expect((await failure(authFetch({ tokenRetries: 0 })(s.manifestUrl()))).code).toBe('TOKEN_REQUEST_FAILED');
    expect(s.reg.counts()).toMatchObject({ registry: 1, token: 1 });
  });

  it('a hang past tokenTimeoutMs is TOKEN_TIMEOUT and is not retried', async () => {
    const af = authFetch({ tokenTimeoutMs: 300 });
    s.reg.failTokenEndpoint('hang');
    const error = await failure(af(s.manifestUrl()));
    expect(error.code).toBe('TOKEN_TIMEOUT');
    await until(() => tokenEntries(s.reg).length === 1); // logged when the SDK drops the connection
    expect(tokenEntries(s.reg)[0]!.status).toBe(0);
    expect(s.reg.counts()).toMatchObject({ registry: 1, token: 1 });
    s.reg.failTokenEndpoint(undefined);
    s.reg.clearLog();
    await ok(af(s.manifestUrl()));
    expect(s.reg.counts()).toMatchObject({ registry: 1, token: 1, unauthorized: 0 });
  });

  it('POST grants are not retried (a password grant meeting 503 fails at once)', async () => {
    const af = authFetch({ passwordGrant: true });
    s.reg.failTokenEndpoint({ status: 503 }, 1);
    const error = (await failure(af(s.manifestUrl()))) as TokenRequestError;
    expect([error.code, error.status]).toEqual(['TOKEN_REQUEST_FAILED', 503]);
    expect(tokenEntries(s.reg).map((e) => `${e.method} ${e.status}`)).toEqual(['POST 503']);
    s.reg.clearLog();
    await ok(af(s.manifestUrl()));
    expect(tokenEntries(s.reg).map((e) => `${e.method} ${e.status}`)).toEqual(['POST 200']);
  });
});

describe('concurrent waiters', () => {
  it('20 cold concurrent requests: one 401, one shared token fetch (3 attempts), the same error for all', async () => {
    const af = authFetch();
    s.reg.failTokenEndpoint({ status: 500 });
    const errors = await within(10_000, Promise.all(Array.from({ length: 20 }, () => seen.catch(af(s.manifestUrl())))));
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toBeInstanceOf(TokenRequestError);
    expect((errors[0] as TokenRequestError).status).toBe(500);
    expect(s.reg.counts()).toMatchObject({ registry: 1, token: 3, unauthorized: 1 });

    s.reg.failTokenEndpoint(undefined);
    s.reg.clearLog();
    const statuses = await Promise.all(Array.from({ length: 20 }, () => af(s.manifestUrl()).then((r) => r.status)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(s.reg.counts()).toEqual({ total: 21, registry: 20, token: 1, unauthorized: 0 });
  });

  it('20 warm concurrent requests for a new scope during a reset storm share one fetch and one error', async () => {
    const af = authFetch();
    await ok(af(s.manifestUrl()));
    s.reg.clearLog();
    s.reg.failTokenEndpoint('reset');
    const errors = await within(
      10_000,
      Promise.all(Array.from({ length: 20 }, () => seen.catch(af(s.manifestUrl('team/other'))))),
    );
    expect(new Set(errors).size).toBe(1);
    expect((errors[0] as OciAuthError).code).toBe('TOKEN_REQUEST_FAILED');
    await until(() => tokenEntries(s.reg).length === 3);
    expect(s.reg.counts()).toMatchObject({ registry: 0, token: 3 });
    s.reg.failTokenEndpoint(undefined);
    await ok(af(s.manifestUrl('team/other')));
  });
});

describe('faults the reference cannot produce (through a proxy)', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await startFaultProxy(s.reg);
  });
  afterEach(async () => {
    await proxy.close();
  });
  const url = (repository = 'team/app') => `${proxy.url}/v2/${repository}/manifests/latest`;

  it('a token body cut off mid-answer is a dropped connection: retried, then TOKEN_REQUEST_FAILED', async () => {
    proxy.onToken((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      // Cut once the head and the first bytes are flushed (the write's callback), not after a guessed delay.
      res.write('{"token":"eyJhbGciOi', () => res.destroy());
      return true;
    });
    const af = authFetch();
    const error = (await failure(af(url()))) as TokenRequestError;
    expect([error.code, error.status]).toEqual(['TOKEN_REQUEST_FAILED', 200]);
    expect(error.message).toContain(`The token endpoint ${proxy.realm} broke off while answering (`);
    expect(proxy.counts()).toEqual({ registry: 1, token: 3 });
    proxy.onToken(undefined);
    await ok(af(url()));
    expect(proxy.counts()).toEqual({ registry: 2, token: 4 });
  });

  it('a 10 MB chunked body (no Content-Length) is cut at maxTokenResponseBytes: TOKEN_RESPONSE_INVALID, once', async () => {
    let written = 0;
    proxy.onToken((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (written < 10 * 1024 * 1024) {
          written += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return true;
    });
    const error = await failure(authFetch()(url()));
    expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(proxy.counts()).toEqual({ registry: 1, token: 1 });
  });

  it('a registry that 401s forever: one retry per call, the 401 is returned, no loop', async () => {
    proxy.onRegistry((req, res) => {
      const error = req.headers.authorization ? ',error="invalid_token"' : '';
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${proxy.realm}",service="${s.reg.service}",scope="repository:team/app:pull"${error}`,
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return true;
    });
    const af = authFetch();
    for (let i = 0; i < 5; i++) {
      const res = await within(10_000, af(url()));
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    // Each call: the request and its one retry. Each call after the first evicts the rejected token: one fetch.
    expect(proxy.counts()).toEqual({ registry: 10, token: 5 });

    proxy.log.length = 0;
    const statuses = await within(
      10_000,
      Promise.all(Array.from({ length: 20 }, () => af(url()).then((r) => r.status))),
    );
    expect(statuses).toEqual(Array(20).fill(401));
    expect(proxy.counts().registry).toBe(40);
    // All 20 are sent with the token the last call left cached and rejected together: the refetch is shared
    // (in flight, or cached before a later 401 is handled), so one token request in all.
    expect(proxy.counts().token).toBe(1);
  });
});

describe('a cached token the registry rejects (stale 401s)', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await startFaultProxy(s.reg);
  });
  afterEach(async () => {
    await proxy.close();
  });

  // A 401 for the old token that arrives after the refetch must not evict the *new* token: one fetch in all.
  it('two requests rejected with the same old token cost one refetch, whenever their 401s arrive', async () => {
    const url = `${proxy.url}/v2/team/app/manifests/latest`;
    const af = authFetch();
    await ok(af(url));
    const old = proxy.log.at(-1)!.headers.authorization;
    expect(old).toMatch(/^Bearer /);
    const reject = (res: ServerResponse) => {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${proxy.realm}",service="${s.reg.service}",scope="repository:team/app:pull",error="invalid_token"`,
      });
      res.end();
    };
    // The first 401 comes at once; the second only once the first caller is back with its new token (the
    // proxy sees it), whichever order the requests arrive in.
    let rejected = 0;
    let held: ServerResponse | undefined;
    let refetched = false;
    proxy.onRegistry((req, res) => {
      if (req.headers.authorization !== old) {
        refetched = true;
        if (held) reject(held);
        held = undefined;
        return false;
      }
      if (rejected++ === 0 || refetched) reject(res);
      else held = res;
      return true;
    });
    proxy.log.length = 0;
    await within(10_000, Promise.all([ok(af(url)), ok(af(url))]));
    await ok(af(url));
    expect(rejected).toBe(2);
    expect(proxy.counts().token).toBe(1);
  });
});

describe('a token server that grants nothing', () => {
  it('anonymous on a private repository: the empty token is tried once per call, then the 401 is returned', async () => {
    const af = createAuthFetch({ onEvent: seen.onEvent });
    for (let i = 0; i < 3; i++) {
      const res = await within(10_000, af(s.manifestUrl()));
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    expect(s.reg.counts()).toMatchObject({ registry: 6, token: 3, unauthorized: 6 });
  });

  it('a user outside the ACL: same outcome, and a 401 never turns into an exception', async () => {
    s.reg.setUser('bob', `${PASSWORD}-bob`);
    s.reg.setRepository('team/app', { acl: { alice: ['*'] } });
    const af = createAuthFetch({
      credentials: { username: 'bob', password: `${PASSWORD}-bob` },
      onEvent: seen.onEvent,
    });
    const res = await within(10_000, af(s.manifestUrl()));
    expect(res.status).toBe(401);
    expect(s.reg.counts()).toMatchObject({ registry: 2, token: 1, unauthorized: 2 });
    seen.expectNoSecrets([`${PASSWORD}-bob`]);
  });
});
