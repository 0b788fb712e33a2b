// The built SDK in Chromium and Firefox: a page on one loopback origin authenticates to the reference registry, its token
// server and its blob storage, each on another origin, with CORS configured as real registries do.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import type { StaticServer } from '../../examples/browser-ui/static-server.ts';
import { BROWSER_HOOK_TIMEOUT_MS, ENGINES } from './support/browsers.ts';
import { errorOf, Harness, responseOf } from './support/harness.ts';
import { bearerOf, lines, withoutPreflights } from './support/log.ts';
import { startPageServer } from './support/page-server.ts';
import { manifestText, OCI_MANIFEST, pusher } from './support/push.ts';
import type { Pushed } from './support/push.ts';

const ALICE = { username: 'alice', password: 'alice-secret' };
const TOKEN_LIFETIME_MS = 300_000;

for (const engine of ENGINES) {
  describe.skipIf(engine.skip)(`${engine.name}: the token flow across origins`, () => {
    let browser: Browser;
    let pageServer: StaticServer;
    let registry: ReferenceRegistry;
    /** Added to the registry's clock (token expiry). */
    let registryClockOffset = 0;
    let hello: Pushed;
    let app: Pushed;
    let blob: Pushed;
    let context: BrowserContext;
    let harness: Harness;

    const helloUrl = () => `${registry.url}/v2/library/hello/manifests/latest`;
    const accept = { headers: { accept: OCI_MANIFEST } };

    beforeAll(async () => {
      const launching = engine.launch();
      pageServer = await startPageServer();
      registry = await startReferenceRegistry({
        users: { alice: ALICE.password },
        repositories: { 'library/hello': { public: true, acl: { alice: ['*'] } } },
        separateTokenServer: true,
        blobRedirect: true,
        cors: { allowOrigin: pageServer.url },
        clock: () => Date.now() + registryClockOffset,
      });
      const push = pusher(registry.url, ALICE);
      hello = await push.manifest('library/hello', 'latest', manifestText('hello'));
      app = await push.manifest('team/app', 'v1', manifestText('team app'));
      blob = await push.blob('library/hello', 'layer bytes that live in object storage\n');
      browser = await launching;
    }, BROWSER_HOOK_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      await registry?.close();
      await pageServer?.close();
    });

    beforeEach(async () => {
      registryClockOffset = 0;
      // A fresh context per test: no cookies, no CORS preflight cache carried over.
      context = await browser.createBrowserContext();
      harness = await Harness.open(context, `${pageServer.url}/`);
      registry.clearLog();
    });

    afterEach(async () => {
      await context?.close();
    });

    it('runs on four different origins', () => {
      const origins = [pageServer.url, registry.url, new URL(registry.realm).origin, registry.storageUrl];
      expect(new Set(origins).size).toBe(4);
    });

    it('anonymous: 401, anonymous token, retry; Authorization is preflighted, WWW-Authenticate read via CORS', async () => {
      await harness.create('anonymous');
      const res = responseOf(await harness.fetch('anonymous', helloUrl(), accept));

      expect(res.status).toBe(200);
      expect(res.body).toBe(hello.text);
      expect(res.headers['docker-content-digest']).toBe(hello.digest);
      expect(lines(registry.log)).toEqual([
        'registry GET /v2/library/hello/manifests/latest 401 -',
        'token GET /token 200 -',
        'registry OPTIONS /v2/library/hello/manifests/latest 204 -',
        'registry GET /v2/library/hello/manifests/latest 200 Bearer',
      ]);
      const [first, token, preflight] = registry.log;
      expect(token!.query).toBe('service=reference-registry&scope=repository%3Alibrary%2Fhello%3Apull');
      expect(preflight!.headers['access-control-request-method']).toBe('GET');
      expect(preflight!.headers['access-control-request-headers']).toBe('authorization');
      // Every request is a cross-origin one from the page.
      expect(registry.log.every((e) => e.headers.origin === pageServer.url)).toBe(true);
      expect(first!.headers.accept).toBe(OCI_MANIFEST);
      expect((await harness.events('anonymous')).map((e) => e.type)).toEqual(['challenge', 'token', 'retry']);
    });

    it('Basic credentials: the realm gets Basic (after its own preflight), the registry only the bearer', async () => {
      await harness.create('alice', { credentials: ALICE });
      const res = responseOf(await harness.fetch('alice', `${registry.url}/v2/team/app/manifests/v1`, accept));

      expect(res.status).toBe(200);
      expect(res.body).toBe(app.text);
      expect(lines(registry.log)).toEqual([
        'registry GET /v2/team/app/manifests/v1 401 -',
        'token OPTIONS /token 204 -',
        'token GET /token 200 Basic alice',
        'registry OPTIONS /v2/team/app/manifests/v1 204 -',
        'registry GET /v2/team/app/manifests/v1 200 Bearer',
      ]);
      expect(registry.log[2]!.query).toBe('service=reference-registry&scope=repository%3Ateam%2Fapp%3Apull');
      const events = await harness.events('alice');
      expect(events.find((e) => e.type === 'token')).toMatchObject({
        source: 'fetched',
        grant: 'basic',
        scopes: ['repository:team/app:pull'],
      });
      expect(JSON.stringify(events)).not.toContain(ALICE.password);
    });

    it('a wrong password is a TOKEN_DENIED error naming the user and the realm, read through CORS', async () => {
      await harness.create('wrong', { credentials: { username: 'alice', password: 'not-her-password' } });
      const error = errorOf(await harness.fetch('wrong', `${registry.url}/v2/team/app/manifests/v1`, accept));

      expect(error).toMatchObject({
        name: 'TokenRequestError',
        code: 'TOKEN_DENIED',
        status: 401,
        serverCode: 'UNAUTHORIZED',
        realm: registry.realm,
        isOciAuthError: true,
      });
      expect(error.message).toContain('user "alice"');
      expect(error.message).not.toContain('not-her-password');
      expect(lines(withoutPreflights(registry.log))).toEqual([
        'registry GET /v2/team/app/manifests/v1 401 -',
        'token GET /token 401 Basic alice',
      ]);
    });

    it('concurrent cold requests share one discovery and one token fetch (N + 2 requests)', async () => {
      await harness.create('many');
      const outcomes = await harness.fetchAll(
        'many',
        Array.from({ length: 5 }, () => ({ url: helloUrl(), init: accept })),
      );

      expect(outcomes.map((o) => responseOf(o).status)).toEqual([200, 200, 200, 200, 200]);
      const preflights = registry.log.filter((e) => e.method === 'OPTIONS');
      expect(new Set(lines(preflights))).toEqual(
        new Set(['registry OPTIONS /v2/library/hello/manifests/latest 204 -']),
      );
      const requests = withoutPreflights(registry.log);
      expect(lines(requests)).toEqual([
        'registry GET /v2/library/hello/manifests/latest 401 -',
        'token GET /token 200 -',
        ...Array.from({ length: 5 }, () => 'registry GET /v2/library/hello/manifests/latest 200 Bearer'),
      ]);
      expect(new Set(requests.slice(2).map(bearerOf)).size).toBe(1);
      const tokenEvents = (await harness.events('many')).filter((e) => e.type === 'token');
      expect(tokenEvents.map((e) => e.source).sort()).toEqual(['fetched', 'shared', 'shared', 'shared', 'shared']);
    });

    it('token expiry: a token past its lifetime is replaced before use (no 401), and the old one is dead', async () => {
      await harness.create('clock', { useClock: true });
      responseOf(await harness.fetch('clock', helloUrl(), accept));
      const oldToken = bearerOf(registry.log.at(-1)!);
      expect(oldToken).toBeDefined();
      registry.clearLog();

      await harness.advanceClock(TOKEN_LIFETIME_MS + 1000);
      registryClockOffset += TOKEN_LIFETIME_MS + 1000;
      const res = responseOf(await harness.fetch('clock', helloUrl(), accept));

      expect(res.status).toBe(200);
      expect(lines(withoutPreflights(registry.log))).toEqual([
        'token GET /token 200 -',
        'registry GET /v2/library/hello/manifests/latest 200 Bearer',
      ]);
      const newToken = bearerOf(registry.log.at(-1)!);
      expect(newToken).toBeDefined();
      expect(newToken).not.toBe(oldToken);
      // The registry, on the same clock, no longer takes the old token.
      const replay = await fetch(helloUrl(), { headers: { authorization: `Bearer ${oldToken}` } });
      expect(replay.status).toBe(401);
      expect(replay.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('token expiry seen only by the registry: 401 invalid_token, a fresh token, one retry', async () => {
      await harness.create('late', { useClock: true });
      responseOf(await harness.fetch('late', helloUrl(), accept));
      const oldToken = bearerOf(registry.log.at(-1)!);
      registry.clearLog();

      registryClockOffset += TOKEN_LIFETIME_MS + 1000; // the page's clock says the token is still fine
      const res = responseOf(await harness.fetch('late', helloUrl(), accept));

      expect(res.status).toBe(200);
      expect(lines(withoutPreflights(registry.log))).toEqual([
        'registry GET /v2/library/hello/manifests/latest 401 Bearer',
        'token GET /token 200 -',
        'registry GET /v2/library/hello/manifests/latest 200 Bearer',
      ]);
      // Chromium reuses the preflight it cached for the first request; Firefox sends another one first.
      expect(bearerOf(withoutPreflights(registry.log)[0]!)).toBe(oldToken);
      expect(bearerOf(registry.log.at(-1)!)).not.toBe(oldToken);
      expect((await harness.events('late')).at(-1)).toMatchObject({ type: 'retry', reason: 'invalid_token' });
    });

    it('a blob GET redirected to storage on another origin does not carry the bearer token there', async () => {
      await harness.create('blob');
      const blobUrl = `${registry.url}/v2/library/hello/blobs/${blob.digest}`;
      const res = responseOf(await harness.fetch('blob', blobUrl));

      expect(res.status).toBe(200);
      expect(res.body).toBe(blob.text);
      expect(res.redirected).toBe(true);
      expect(new URL(res.url).origin).toBe(registry.storageUrl);
      expect(lines(registry.log)).toEqual([
        `registry GET /v2/library/hello/blobs/${blob.digest} 401 -`,
        'token GET /token 200 -',
        `registry OPTIONS /v2/library/hello/blobs/${blob.digest} 204 -`,
        `registry GET /v2/library/hello/blobs/${blob.digest} 307 Bearer`,
        // Firefox preflights the redirected request too, though the redirect removed Authorization from it.
        ...(engine.name === 'Firefox' ? [`storage OPTIONS /blobs/${blob.digest} 204 -`] : []),
        `storage GET /blobs/${blob.digest} 200 -`,
      ]);
      const storage = registry.log.filter((e) => e.server === 'storage');
      // The server side of the promise: the storage server saw no Authorization (it would have answered 400).
      expect(storage.map((e) => e.headers.authorization)).toEqual(storage.map(() => undefined));
      // Firefox's preflight there asks for no header: Authorization is not coming.
      const preflight = storage.find((e) => e.method === 'OPTIONS');
      expect(
        preflight && [
          preflight.headers['access-control-request-method'],
          preflight.headers['access-control-request-headers'],
        ],
      ).toEqual(engine.name === 'Firefox' ? ['GET', undefined] : undefined);
      // After a cross-origin redirect the browser sends a tainted ("null") origin.
      expect(storage.find((e) => e.method === 'GET')!.headers.origin).toBe('null');
    });
  });
}
