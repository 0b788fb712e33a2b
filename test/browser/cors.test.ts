// What CORS hides from a page, and how the SDK deals with it: a registry that does not expose WWW-Authenticate,
// a token endpoint without CORS, and an SSO realm that authenticates by cookie.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import type { StaticServer } from '../../examples/browser-ui/static-server.ts';
import { BROWSER_HOOK_TIMEOUT_MS, ENGINES } from './support/browsers.ts';
import { startEdgeRegistry } from './support/edge-registry.ts';
import type { EdgeRegistry } from './support/edge-registry.ts';
import { errorOf, Harness, responseOf } from './support/harness.ts';
import type { PageError } from './support/harness.ts';
import { lines } from './support/log.ts';
import { startPageServer } from './support/page-server.ts';
import { manifestText, OCI_MANIFEST, pusher } from './support/push.ts';
import type { Pushed } from './support/push.ts';

const SESSION = { name: 'sso_session', value: 's3ss10n-0f-alice' };

for (const engine of ENGINES) {
  describe.skipIf(engine.skip)(`${engine.name}: what CORS hides`, () => {
    let browser: Browser;
    let pageServer: StaticServer;
    /** The reference registry with CORS, but WWW-Authenticate not in Access-Control-Expose-Headers. */
    let hiding: ReferenceRegistry;
    /** Registry with CORS; its token endpoint's CORS is set per test. */
    let edge: EdgeRegistry;
    let hello: Pushed;
    let context: BrowserContext;
    let harness: Harness;

    const helloUrl = () => `${hiding.url}/v2/library/hello/manifests/latest`;
    const edgeUrl = () => `${edge.url}/v2/team/app/manifests/latest`;
    const accept = { headers: { accept: OCI_MANIFEST } };

    beforeAll(async () => {
      const launching = engine.launch();
      pageServer = await startPageServer();
      hiding = await startReferenceRegistry({
        users: { alice: 'alice-secret' },
        repositories: { 'library/hello': { public: true, acl: { alice: ['*'] } } },
        separateTokenServer: true,
        cors: { allowOrigin: pageServer.url, exposeWwwAuthenticate: false },
      });
      hello = await pusher(hiding.url, { username: 'alice', password: 'alice-secret' }).manifest(
        'library/hello',
        'latest',
        manifestText('hello'),
      );
      edge = await startEdgeRegistry({
        pageOrigin: pageServer.url,
        realmCors: 'none',
        session: SESSION,
        requireSession: false,
      });
      browser = await launching;
    }, BROWSER_HOOK_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      await Promise.all([hiding?.close(), edge?.close(), pageServer?.close()]);
    });

    beforeEach(async () => {
      context = await browser.createBrowserContext();
      harness = await Harness.open(context, `${pageServer.url}/`);
      hiding.clearLog();
      edge.clearLog();
    });

    afterEach(async () => {
      await context?.close();
    });

    describe('a registry that does not expose WWW-Authenticate', () => {
      it('sends the challenge, but the page sees a 401 without it', async () => {
        const fromNode = await fetch(helloUrl());
        expect(fromNode.headers.get('www-authenticate')).toBe(
          `Bearer realm="${hiding.realm}",service="reference-registry",scope="repository:library/hello:pull"`,
        );
        expect(await harness.rawFetch(helloUrl())).toEqual({
          ok: true,
          response: { status: 401, headers: { 'www-authenticate': null } },
        });
      });

      it('without a hint: a CHALLENGE_HIDDEN error naming the header to expose, after one request', async () => {
        await harness.create('plain');
        const error = errorOf(await harness.fetch('plain', helloUrl(), accept));

        expect(error).toMatchObject({
          name: 'OciAuthError',
          code: 'CHALLENGE_HIDDEN',
          isOciAuthError: true,
          isTypeError: false,
        });
        expect(error.message).toContain(`The registry ${hiding.host} answered 401`);
        expect(error.message).toContain('Access-Control-Expose-Headers: WWW-Authenticate');
        expect(error.message).toContain(`challenges: { "${hiding.host}"`);
        expect(lines(hiding.log)).toEqual(['registry GET /v2/library/hello/manifests/latest 401 -']);
      });

      it('with the challenge given for that registry (`challenges`): authenticated up front, no 401 at all', async () => {
        await harness.create('hinted', {
          challenges: { [hiding.host]: `Bearer realm="${hiding.realm}",service="${hiding.service}"` },
        });
        const res = responseOf(await harness.fetch('hinted', helloUrl(), accept));

        expect(res.status).toBe(200);
        expect(res.body).toBe(hello.text);
        expect(lines(hiding.log)).toEqual([
          'token GET /token 200 -',
          'registry OPTIONS /v2/library/hello/manifests/latest 204 -',
          'registry GET /v2/library/hello/manifests/latest 200 Bearer',
        ]);
        expect(hiding.log[0]!.query).toBe('service=reference-registry&scope=repository%3Alibrary%2Fhello%3Apull');
      });
    });

    describe('a token endpoint without CORS', () => {
      beforeEach(() => edge.configure({ realmCors: 'none', requireSession: false }));

      const expectCorsTokenError = (error: PageError) => {
        expect(error).toMatchObject({
          name: 'TokenRequestError',
          code: 'TOKEN_REQUEST_FAILED',
          realm: edge.realm,
          isOciAuthError: true,
          isTypeError: false,
        });
        expect(error.message).toContain(`token endpoint ${edge.realm}`);
        expect(error.message).toContain('CORS');
        expect(error.cause).toBe(engine.failedFetch);
      };

      it('anonymous: the realm answers, the browser hides the answer; a typed error says CORS, not a bare TypeError', async () => {
        await harness.create('anonymous');
        expectCorsTokenError(errorOf(await harness.fetch('anonymous', edgeUrl(), accept)));
        // A simple GET: it reached the realm, which answered 200, without Access-Control-Allow-Origin. To the page a
        // CORS refusal is a dropped connection, which the SDK retries (tokenRetries, default 2) before giving up.
        expect(lines(edge.log)).toEqual([
          'registry GET /v2/team/app/manifests/latest 401 -',
          'token GET /token 200 -',
          'token GET /token 200 -',
          'token GET /token 200 -',
        ]);
      });

      it('with Basic credentials: the preflight fails, the realm never sees the credentials', async () => {
        await harness.create('basic', {
          credentials: { username: 'alice', password: 'alice-secret' },
          tokenRetries: 0,
        });
        expectCorsTokenError(errorOf(await harness.fetch('basic', edgeUrl(), accept)));
        expect(lines(edge.log)).toEqual([
          'registry GET /v2/team/app/manifests/latest 401 -',
          'token OPTIONS /token 405 -',
        ]);
      });

      // Fails until the core change proposed with this suite (src/token-client.ts): in a browser, the message names
      // the exact headers the realm must send for the page's origin, as CHALLENGE_HIDDEN does for the registry.
      it('the error names the headers the realm must send for this page', async () => {
        await harness.create('detail', { tokenRetries: 0 });
        const error = errorOf(await harness.fetch('detail', edgeUrl(), accept));
        expect(error.message).toContain(`Access-Control-Allow-Origin: ${pageServer.url}`);
        expect(error.message).toContain('Access-Control-Allow-Headers: Authorization');
      });
    });

    describe('an SSO realm that authenticates by cookie', () => {
      beforeEach(async () => {
        edge.configure({ realmCors: 'credentials', requireSession: true });
        // Sign in at the realm's origin: it sets the session cookie (host-wide, so every 127.0.0.1 port gets it).
        const login = await context.newPage();
        await login.goto(`${edge.realmOrigin}/login`);
        await login.close();
        edge.clearLog();
      });

      it('by default the cookie stays home: the realm sees no session and refuses', async () => {
        await harness.create('default');
        const error = errorOf(await harness.fetch('default', edgeUrl(), accept));

        expect(error).toMatchObject({
          name: 'TokenRequestError',
          code: 'TOKEN_DENIED',
          status: 401,
          serverMessage: 'no SSO session',
        });
        expect(lines(edge.log)).toEqual(['registry GET /v2/team/app/manifests/latest 401 -', 'token GET /token 401 -']);
        expect(edge.log[1]!.headers.cookie).toBeUndefined();
      });

      it("realmCredentials: 'include' sends the session cookie to the realm, and only there", async () => {
        await harness.create('sso', { realmCredentials: 'include' });
        const res = responseOf(await harness.fetch('sso', edgeUrl(), accept));

        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toEqual({ schemaVersion: 2, edge: 'team/app:latest' });
        expect(lines(edge.log)).toEqual([
          'registry GET /v2/team/app/manifests/latest 401 -',
          'token GET /token 200 -',
          'registry OPTIONS /v2/team/app/manifests/latest 204 -',
          'registry GET /v2/team/app/manifests/latest 200 Bearer',
        ]);
        expect(edge.log[1]!.headers.cookie).toBe(`${SESSION.name}=${SESSION.value}`);
        expect(edge.log.filter((e) => e.server === 'registry').map((e) => e.headers.cookie)).toEqual([
          undefined,
          undefined,
          undefined,
        ]);
      });

      it("'include' needs Access-Control-Allow-Credentials: true on the realm, else a typed error", async () => {
        edge.configure({ realmCors: 'origin', requireSession: true });
        await harness.create('no-allow-credentials', { realmCredentials: 'include', tokenRetries: 0 });
        const error = errorOf(await harness.fetch('no-allow-credentials', edgeUrl(), accept));

        expect(error).toMatchObject({
          name: 'TokenRequestError',
          code: 'TOKEN_REQUEST_FAILED',
          realm: edge.realm,
          isTypeError: false,
        });
        // The realm issued a token to the cookie, but the browser withheld the answer from the page.
        expect(lines(edge.log)).toEqual(['registry GET /v2/team/app/manifests/latest 401 -', 'token GET /token 200 -']);
      });
    });
  });
}
