// Security against real servers on 127.0.0.1 (Node; Chromium is covered elsewhere): where credentials and
// tokens may go, asserted on the receiving server. Every event and error of the file is scanned for secrets.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAuthFetch, OciAuthError } from '../../src/index.ts';
import type { AuthFetchOptions } from '../../src/index.ts';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import { bearerTokensIn, seedImage } from '../../bench/lib/seed.ts';
import { Observed, PASSWORD, REFRESH } from '../support/secrets.ts';
import { startFaultProxy, startRecorder } from './support/fault-proxy.ts';
import { USER, within } from './support/harness.ts';

const seen = new Observed();
const tokensSeen = new Set<string>();
const credentials = { username: USER, password: PASSWORD };
const cleanup: Array<() => Promise<void>> = [];
const registries: ReferenceRegistry[] = [];

afterEach(async () => {
  for (const reg of registries.splice(0)) for (const t of bearerTokensIn(reg)) tokensSeen.add(t);
  for (const close of cleanup.splice(0).reverse()) await close();
});
afterAll(() => {
  expect(seen.events.length).toBeGreaterThan(0);
  seen.expectNoSecrets([...tokensSeen]);
});

async function registry(options: Parameters<typeof startReferenceRegistry>[0] = {}) {
  const reg = await startReferenceRegistry({ users: { [USER]: PASSWORD }, ...options });
  registries.push(reg);
  cleanup.push(() => reg.close());
  return reg;
}

const authFetch = (extra: AuthFetchOptions = {}) => createAuthFetch({ credentials, onEvent: seen.onEvent, ...extra });

describe('redirects to another origin (blob storage)', () => {
  for (const auth of ['token', 'basic'] as const) {
    it(`${auth} auth: the storage server receives no Authorization, and the blob arrives`, async () => {
      const reg = await registry({ blobRedirect: true, auth });
      const image = await seedImage(reg, { user: USER, password: PASSWORD, repository: 'team/app', auth });
      const af = authFetch();
      for (const digest of image.layers) {
        const res = await within(10_000, af(`${reg.url}/v2/team/app/blobs/${digest}`));
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBe(1024);
      }
      const storage = reg.log.filter((e) => e.server === 'storage');
      expect(storage.map((e) => e.status)).toEqual([200, 200]);
      for (const e of storage) expect(e.headers.authorization).toBeUndefined();
      // The credentials did reach the registry itself (so the test is not vacuous).
      const scheme = auth === 'token' ? 'Bearer ' : 'Basic ';
      expect(
        reg.log.filter((e) => e.server === 'registry' && e.headers.authorization?.startsWith(scheme)).length,
      ).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('a realm that redirects to another host', () => {
  async function evilRealm(status: number) {
    const reg = await registry();
    await seedImage(reg, { user: USER, password: PASSWORD, repository: 'team/app' });
    const proxy = await startFaultProxy(reg);
    cleanup.push(() => proxy.close());
    const bodies: string[] = [];
    const evil = await startRecorder((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"token":"from-the-other-host"}');
      });
    });
    cleanup.push(() => evil.close());
    // `localhost` is another host than the realm's 127.0.0.1 (and another origin by its port too).
    const target = `${evil.url.replace('127.0.0.1', 'localhost')}/token`;
    proxy.onToken((_req, res) => {
      res.writeHead(status, { location: target });
      res.end();
      return true;
    });
    return { proxy, evil, bodies, url: `${proxy.url}/v2/team/app/manifests/latest` };
  }

  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status} on the docker GET: the other host gets neither Basic credentials nor the password`, async () => {
      const { evil, url } = await evilRealm(status);
      const res = await within(10_000, authFetch()(url));
      await res.arrayBuffer();
      expect(evil.seen.length).toBeGreaterThan(0);
      for (const r of evil.seen) {
        expect(r.headers.authorization).toBeUndefined();
        expect(r.url).not.toContain(PASSWORD);
      }
    });
  }

  for (const status of [302, 303]) {
    it(`${status} on a password grant POST: turned into a GET without the form, nothing secret follows`, async () => {
      const { evil, bodies, url } = await evilRealm(status);
      await within(10_000, authFetch({ passwordGrant: true })(url)).then((r) => r.arrayBuffer());
      expect(evil.seen.map((r) => r.method)).toEqual(['GET']);
      expect(bodies.join('')).toBe('');
      expect(evil.seen[0]!.headers.authorization).toBeUndefined();
    });
  }

  // 307/308 keep method and body: the OAuth2 form with the password (or refresh token) must not follow them.
  // The POST reaches the realm, its redirect is not followed, and the caller learns why.
  for (const status of [307, 308]) {
    const grants = [
      ['password', { credentials, passwordGrant: true }, PASSWORD],
      ['refresh', { credentials: { refreshToken: REFRESH } }, REFRESH],
    ] as const;
    for (const [grant, options, secret] of grants) {
      it(`${status} on a ${grant} grant POST: not followed, the form with the ${grant === 'password' ? 'password' : 'refresh token'} stays home`, async () => {
        const { proxy, evil, bodies, url } = await evilRealm(status);
        const error = await within(10_000, seen.catch(createAuthFetch({ ...options, onEvent: seen.onEvent })(url)));
        expect(proxy.log.filter((e) => e.kind === 'token').map((e) => `${e.method} ${e.faulted}`)).toEqual([
          'POST true',
        ]);
        expect(evil.seen).toEqual([]);
        expect(bodies).toEqual([]);
        expect(error).toBeInstanceOf(OciAuthError);
        expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status });
        expect((error as Error).message).toContain(
          `redirected (HTTP ${status}) to another origin with the credentials' form; it was not followed.`,
        );
        expect((error as Error).message).not.toContain(secret);
      });
    }
  }
});

describe('Basic credentials go to loopback over http, nowhere else over http', () => {
  it('a Basic registry on 127.0.0.1 (http) gets them; an http realm on 127.0.0.1 gets them', async () => {
    const basicReg = await registry({ auth: 'basic' });
    await seedImage(basicReg, { user: USER, password: PASSWORD, repository: 'team/app', auth: 'basic' });
    basicReg.clearLog();
    const res = await within(10_000, authFetch()(`${basicReg.url}/v2/team/app/manifests/latest`));
    expect(res.status).toBe(200);
    expect(basicReg.log.map((e) => `${e.status} ${e.headers.authorization?.split(' ')[0] ?? '-'}`)).toEqual([
      '401 -',
      '200 Basic',
    ]);

    const tokenReg = await registry({ separateTokenServer: true });
    await seedImage(tokenReg, { user: USER, password: PASSWORD, repository: 'team/app' });
    const res2 = await within(10_000, authFetch()(`${tokenReg.url}/v2/team/app/manifests/latest`));
    expect(res2.status).toBe(200);
    const token = tokenReg.log.filter((e) => e.server === 'token');
    expect(token.map((e) => e.headers.authorization?.split(' ')[0])).toEqual(['Basic']);
    // Basic only ever went to the realm: the registry saw Bearer or nothing.
    for (const e of tokenReg.log.filter((x) => x.server === 'registry'))
      expect(e.headers.authorization ?? 'Bearer (none)').toMatch(/^Bearer /);
  });

  it('a registry on a non-loopback http address is refused before anything secret is sent', async () => {
    const reg = await registry({ auth: 'basic' });
    // 127.0.0.1 is loopback; pretend otherwise by a fetch that maps a non-loopback name onto it.
    const fetchVia = (input: RequestInfo | URL, init?: RequestInit) =>
      fetch(String(input instanceof Request ? input.url : input).replace('http://registry.example', reg.url), init);
    const af = authFetch({ fetch: fetchVia });
    const error = await within(10_000, seen.catch(af('http://registry.example/v2/team/app/manifests/latest')));
    expect(error).toBeInstanceOf(OciAuthError);
    expect((error as OciAuthError).code).toBe('INSECURE_REALM');
    expect(reg.log.map((e) => e.headers.authorization)).toEqual([undefined]);
  });
});
