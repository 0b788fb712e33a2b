// A token cache shared by auth fetches that know nothing of each other (as processes sharing Redis would), against
// the reference registry over loopback, counting what reaches it: what the cache carries from one to the next
// (tokens, what the registry taught), with which times to live, and what a failing, hanging, junk-filled or
// planted cache does to requests (nothing that fails them, nothing that sends a credential elsewhere).

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Digest, startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry, ReferenceRegistryOptions } from '../../reference/registry.ts';
import { createAuthFetch, MemoryTokenCache } from '../../src/index.ts';
import type { AuthEvent, CachedToken, RegistryRecord, TokenCache } from '../../src/index.ts';
import { Observed } from '../support/secrets.ts';
import { pushManifests } from '../support/seed.ts';

const PASSWORD = 'shared-cache-secret-pw';
const alice = { username: 'alice', password: PASSWORD };

let registry: ReferenceRegistry | undefined;
let other: Server | undefined;

afterEach(async () => {
  await registry?.close();
  other?.closeAllConnections();
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  registry = other = undefined;
});

async function start(options: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  registry = await startReferenceRegistry({ users: { alice: PASSWORD }, ...options });
  await pushManifests(registry.url, alice, ['team/app', 'team/lib', 'team/new']);
  registry.clearLog();
  return registry;
}

const pull = (authFetch: ReturnType<typeof createAuthFetch>, r: ReferenceRegistry, repository = 'team/app') =>
  authFetch(`${r.url}/v2/${repository}/manifests/latest`).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
const lines = (r: ReferenceRegistry) => r.log.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`);

/** A Map behind the TokenCache interface, recording every set with its time to live. */
function mapCache() {
  const map = new Map<string, CachedToken | RegistryRecord>();
  const sets: Array<{ key: string; value: CachedToken | RegistryRecord; ttlMs: number }> = [];
  const cache: TokenCache = {
    get: (key) => map.get(key),
    set: (key, value, ttlMs) => {
      sets.push({ key, value, ttlMs });
      map.set(key, value);
    },
    delete: (key) => map.delete(key),
  };
  return { map, sets, cache };
}

const cacheErrors = (events: AuthEvent[]) => events.flatMap((e) => (e.type === 'cache-error' ? [e.operation] : []));

describe('a cold auth fetch with a warm cache', () => {
  it('sends its first request with the cached token: 1 request, no token fetch', async () => {
    const r = await start();
    const cache = new MemoryTokenCache();
    expect(await pull(createAuthFetch({ cache, credentials: alice }), r)).toBe(200);
    expect(r.counts()).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 1 });
    r.clearLog();
    const events = new Observed();
    expect(await pull(createAuthFetch({ cache, credentials: { ...alice }, onEvent: events.onEvent }), r)).toBe(200);
    expect(lines(r)).toEqual(['registry GET /v2/team/app/manifests/latest 200']);
    expect(events.events.map((e) => e.type === 'token' && e.source)).toEqual(['cache']);
    // Another repository: no 401 either, the registry is known.
    r.clearLog();
    expect(await pull(createAuthFetch({ cache, credentials: alice }), r, 'team/lib')).toBe(200);
    expect(lines(r)).toEqual(['token GET /token 200', 'registry GET /v2/team/lib/manifests/latest 200']);
  });

  it('concurrent first requests read what the cache knows of the registry once', async () => {
    const r = await start();
    const { cache, map } = mapCache();
    await pull(createAuthFetch({ cache, credentials: alice }), r);
    r.clearLog();
    const reads: string[] = [];
    const counting: TokenCache = {
      ...cache,
      get: (key) => {
        reads.push(key);
        return map.get(key);
      },
    };
    const authFetch = createAuthFetch({ cache: counting, credentials: alice });
    expect(await Promise.all(Array.from({ length: 10 }, () => pull(authFetch, r)))).toEqual(Array(10).fill(200));
    expect(r.counts()).toEqual({ total: 10, registry: 10, token: 0, unauthorized: 0 });
    expect(reads.filter((key) => key.startsWith('registry\n'))).toEqual([`registry\n${r.url}`]);
  });

  it('hands each value its time to live: a token until it expires, a registry record an hour', async () => {
    const r = await start();
    const { cache, sets } = mapCache();
    const now = Date.now();
    await pull(createAuthFetch({ cache, credentials: alice, now: () => now }), r);
    expect(sets.map((s) => s.key.split('\n')[0])).toEqual(['registry', r.realm]);
    const [record, token] = sets as [(typeof sets)[0], { value: CachedToken; ttlMs: number }];
    expect(record.value).toEqual({ scheme: 'bearer', realm: r.realm, service: r.service, actions: {} });
    expect(record.ttlMs).toBe(3_600_000);
    expect(token.ttlMs).toBe(Math.ceil(token.value.expiresAt - now));
    expect(token.ttlMs).toBeGreaterThan(298_000); // the registry's 300 s, less the whole-second exp
    expect(token.ttlMs).toBeLessThanOrEqual(300_000);
  });

  it("keys hold no secret; different credentials never get each other's token", async () => {
    const r = await start({ users: { alice: PASSWORD, bob: 'bob-secret-pw' } });
    const { cache, map } = mapCache();
    await pull(createAuthFetch({ cache, credentials: alice }), r);
    await pull(createAuthFetch({ cache, credentials: { username: 'bob', password: 'bob-secret-pw' } }), r);
    const tokens = r.log.flatMap((e) =>
      e.headers.authorization?.startsWith('Bearer ') ? [e.headers.authorization.slice(7)] : [],
    );
    expect(new Set(tokens).size).toBe(2);
    const keys = [...map.keys()];
    expect(keys).toHaveLength(3); // the registry, alice's token, bob's token
    for (const secret of [PASSWORD, 'bob-secret-pw', ...tokens])
      for (const key of keys) expect(key).not.toContain(secret);
  });

  it('what a registry demands beyond a route (django-oci: push for pulls) is asked up front by the next one', async () => {
    const r = await start({ mode: 'django-oci' });
    const { cache } = mapCache();
    expect(await pull(createAuthFetch({ cache, credentials: alice }), r)).toBe(200);
    expect(r.counts().unauthorized).toBe(1);
    r.clearLog();
    expect(await pull(createAuthFetch({ cache, credentials: alice }), r, 'team/lib')).toBe(200);
    expect(r.counts().unauthorized).toBe(0);
    const asked = r.log.filter((e) => e.server === 'token').map((e) => new URLSearchParams(e.query).get('scope'));
    expect(asked).toContain('repository:team/lib:pull,push');
  });
});

describe('what the caller configured', () => {
  it('a challenges hint comes before what the cache says of the registry (the cache is not even read)', async () => {
    const r = await start();
    const { cache, map } = mapCache();
    map.set(`registry\n${r.url}`, { scheme: 'bearer', realm: `${r.url}/not-the-realm`, service: 'wrong' });
    const reads: string[] = [];
    const reading: TokenCache = {
      ...cache,
      get: (key) => {
        reads.push(key);
        return map.get(key);
      },
    };
    const hint = `Bearer realm="${r.realm}",service="${r.service}"`;
    expect(await pull(createAuthFetch({ cache: reading, credentials: alice, challenges: { [r.host]: hint } }), r)).toBe(
      200,
    );
    expect(lines(r)).toEqual(['token GET /token 200', 'registry GET /v2/team/app/manifests/latest 200']);
    expect(reads.filter((key) => key.startsWith('registry\n'))).toEqual([]);
  });
});

describe('a realm on another origin, read from the cache', () => {
  it('serves a cached token at once, but gets no credential before the registry names it', async () => {
    const r = await start({ separateTokenServer: true });
    const cache = new MemoryTokenCache();
    await pull(createAuthFetch({ cache, credentials: alice }), r);
    r.clearLog();
    const authFetch = createAuthFetch({ cache, credentials: alice });
    expect(await pull(authFetch, r)).toBe(200);
    expect(lines(r)).toEqual(['registry GET /v2/team/app/manifests/latest 200']);
    // No cached token for team/lib: the registry is asked for its realm first (GET /v2/), then the token.
    r.clearLog();
    expect(await pull(authFetch, r, 'team/lib')).toBe(200);
    expect(lines(r)).toEqual([
      'registry GET /v2/ 401',
      'token GET /token 200',
      'registry GET /v2/team/lib/manifests/latest 200',
    ]);
    // Named by the registry now: the next repository costs the token alone.
    r.clearLog();
    expect(await pull(authFetch, r, 'team/new')).toBe(200);
    expect(lines(r)).toEqual(['token GET /token 200', 'registry GET /v2/team/new/manifests/latest 200']);
  });

  it('a provider is asked once, though the registry is asked for its realm in between', async () => {
    const r = await start({ separateTokenServer: true });
    const cache = new MemoryTokenCache();
    await pull(createAuthFetch({ cache }), r, 'team/app'); // anonymous: the cache now knows the registry
    r.clearLog();
    const asked: string[] = [];
    const authFetch = createAuthFetch({
      cache,
      credentials: (ctx) => {
        asked.push(ctx.realm ?? '-');
        return alice;
      },
    });
    expect(await pull(authFetch, r, 'team/lib')).toBe(200);
    expect(lines(r)).toEqual([
      'registry GET /v2/ 401',
      'token GET /token 200',
      'registry GET /v2/team/lib/manifests/latest 200',
    ]);
    expect(asked).toEqual([r.realm]);
    expect(r.log.find((e) => e.server === 'token')!.headers.authorization).toMatch(/^Basic /);
  });

  it("a planted realm never receives the credential; the registry's own realm replaces it in the cache", async () => {
    const r = await start();
    const seen: string[] = [];
    other = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"planted"}');
    });
    await new Promise<void>((resolve) => other!.listen(0, '127.0.0.1', resolve));
    const planted = `http://127.0.0.1:${(other.address() as AddressInfo).port}/token`;
    const { cache, map } = mapCache();
    map.set(`registry\n${r.url}`, { scheme: 'bearer', realm: planted, service: r.service });
    // Concurrent first requests: one probe, every request authenticated by the registry's own realm.
    const authFetch = createAuthFetch({ cache, credentials: alice });
    const statuses = await Promise.all([pull(authFetch, r), pull(authFetch, r), pull(authFetch, r, 'team/lib')]);
    expect(statuses).toEqual([200, 200, 200]);
    expect(seen).toEqual([]);
    expect(r.log.filter((e) => e.path === '/v2/')).toHaveLength(1);
    expect(map.get(`registry\n${r.url}`)).toMatchObject({ realm: r.realm });
  });

  it('a planted realm on another origin with a stream body: the probe names the real one before the body goes', async () => {
    const r = await start({ separateTokenServer: true });
    const { cache, map } = mapCache();
    map.set(`registry\n${r.url}`, { scheme: 'bearer', realm: 'http://127.0.0.1:9/token', service: r.service });
    const blob = new TextEncoder().encode('streamed');
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(blob);
        controller.close();
      },
    });
    const res = await createAuthFetch({ cache, credentials: alice })(
      `${r.url}/v2/team/app/blobs/uploads/?digest=${sha256Digest(blob)}`,
      {
        method: 'POST',
        body,
        duplex: 'half',
      } as RequestInit,
    );
    expect(res.status).toBe(201);
    expect(lines(r)).toEqual([
      'registry GET /v2/ 401',
      'token GET /token 200',
      'registry POST /v2/team/app/blobs/uploads/ 201',
    ]);
  });
});

describe('a cache that fails', () => {
  const throwing: TokenCache = {
    get() {
      throw new Error('store down');
    },
    set: () => Promise.reject(new Error('store down')),
    delete: () => Promise.reject(new Error('store down')),
  };

  it('throwing or rejecting: requests succeed, fetching tokens, and each failure is an event', async () => {
    const r = await start();
    const events = new Observed();
    const authFetch = createAuthFetch({ cache: throwing, credentials: alice, onEvent: events.onEvent });
    expect(await pull(authFetch, r)).toBe(200);
    expect(r.counts()).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 1 });
    r.clearLog();
    expect(await pull(authFetch, r)).toBe(200);
    // The registry is known in memory; the token was never kept.
    expect(lines(r)).toEqual(['token GET /token 200', 'registry GET /v2/team/app/manifests/latest 200']);
    expect(new Set(cacheErrors(events.events))).toEqual(new Set(['get', 'set']));
    expect(events.events.filter((e) => e.type === 'error')).toEqual([]);
    events.expectNoSecrets([PASSWORD]);
  });

  it('a delete that fails (a token the registry rejected) is reported; the retry still gets a fresh token', async () => {
    const r = await start();
    const { cache } = mapCache();
    const events = new Observed();
    const failingDelete: TokenCache = { ...cache, delete: () => Promise.reject(new Error('read-only replica')) };
    const authFetch = createAuthFetch({ cache: failingDelete, credentials: alice, onEvent: events.onEvent });
    r.rejectTokensEarly(1, 1); // every token from now on: accepted once, then 401 invalid_token
    expect(await pull(authFetch, r)).toBe(200);
    r.clearLog();
    expect(await pull(authFetch, r)).toBe(200);
    expect(lines(r)).toEqual([
      'registry GET /v2/team/app/manifests/latest 401',
      'token GET /token 200',
      'registry GET /v2/team/app/manifests/latest 200',
    ]);
    expect(cacheErrors(events.events)).toEqual(['delete']);
  });

  it('hanging: each call is given up after cacheTimeoutMs, and the request goes on', async () => {
    const r = await start();
    const events = new Observed();
    const hanging: TokenCache = {
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
    };
    const authFetch = createAuthFetch({
      cache: hanging,
      cacheTimeoutMs: 20,
      credentials: alice,
      onEvent: events.onEvent,
    });
    expect(await pull(authFetch, r)).toBe(200);
    expect(r.counts()).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 1 });
    const errors = events.events.flatMap((e) => (e.type === 'cache-error' ? [e.error.message] : []));
    expect(errors).toContain('The token cache did not answer get within 20 ms');
    expect(errors).toContain('The token cache did not answer set within 20 ms');
  });

  it('junk where records and tokens should be: ignored, never a failed request', async () => {
    const r = await start();
    const junk: unknown[] = [
      'garbage',
      null,
      42,
      { scheme: 'bearer' },
      { scheme: 'bearer', realm: 'ftp://127.0.0.1/token' },
      { scheme: 'bearer', realm: 'http://[::1', service: 'x' },
      { scheme: 'basic', actions: 'push' },
      {
        scheme: 'bearer',
        realm: r.realm,
        service: r.service,
        actions: { GET: [5, 'a b', { x: 1 }], __proto__: ['push'] },
      },
    ];
    for (const value of junk) {
      const { cache, map } = mapCache();
      map.set(`registry\n${r.url}`, value as RegistryRecord);
      // Every token key holds junk too.
      const junkTokens: TokenCache = {
        ...cache,
        get: (key) =>
          key.startsWith('registry\n')
            ? map.get(key)
            : { token: 'a b', expiresAt: Infinity, obtainedAt: 0, scopes: [] },
      };
      r.clearLog();
      expect(await pull(createAuthFetch({ cache: junkTokens, credentials: alice }), r), JSON.stringify(value)).toBe(
        200,
      );
      expect(r.counts().token, JSON.stringify(value)).toBe(1);
    }
  });
});
