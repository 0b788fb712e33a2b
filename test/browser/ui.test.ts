// The registry UI example (examples/browser-ui) in Chromium and Firefox: log in, repository -> tag -> manifest, as a user would.
import { mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, ElementHandle, Page } from 'puppeteer-core';
import { sha256Digest } from '../../reference/registry.ts';
import { startDemo } from '../../examples/browser-ui/demo-server.ts';
import type { Demo } from '../../examples/browser-ui/demo-server.ts';
import { DEMO_USER, OCI_INDEX, OCI_MANIFEST } from '../../examples/browser-ui/seed.ts';
import { createAuthFetch } from '../../src/index.ts';
import { BROWSER_HOOK_TIMEOUT_MS, ENGINES } from './support/browsers.ts';
import { authOf } from './support/log.ts';

const outputDir = new URL('../../test-output/', import.meta.url).pathname;

/** The text of every cell, row by row. */
function tableRows(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
}

const listItems = (page: Page, section: string): Promise<string[]> => texts(page, `${section} .list button`);

/** The text of each element the selector matches. */
const texts = (page: Page, selector: string): Promise<string[]> =>
  page.$$eval(selector, (elements) => elements.map((e) => e.textContent ?? ''));

const textOf = (page: Page, selector: string): Promise<string | null> => page.$eval(selector, (e) => e.textContent);

/** Replaces an input's text, typing it as a user would. */
const fill = (page: Page, selector: string, text: string): Promise<void> => page.locator(selector).fill(text);

/** Clicks the button whose text is exactly `name`. */
async function clickButton(page: Page, name: string): Promise<void> {
  const found = await page.waitForFunction(
    (n) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === n),
    {},
    name,
  );
  const button = found.asElement() as ElementHandle<HTMLButtonElement>;
  await button.click();
  await button.dispose();
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip)(`${engine.name}: the registry UI example`, () => {
    let browser: Browser;
    let demo: Demo;
    let context: BrowserContext;
    let page: Page;
    /** Screenshot names: Chromium's as they were, Firefox's with a suffix. */
    const shot = (name: string) => (engine.name === 'Chromium' ? name : `${name}-${engine.name.toLowerCase()}`);

    beforeAll(async () => {
      const launching = engine.launch();
      demo = await startDemo();
      browser = await launching;
      mkdirSync(outputDir, { recursive: true });
    }, BROWSER_HOOK_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      await demo?.close();
    });

    beforeEach(async () => {
      context = await browser.createBrowserContext();
      page = await context.newPage();
      await page.setViewport({ width: 1240, height: 820 });
      await page.goto(demo.url);
      await page.waitForSelector('body[data-ready="true"]');
      demo.registry.clearLog();
    });

    afterEach(async () => {
      await context?.close();
    });

    /** What the page sent (cross-origin requests carry an Origin; the test's own Node requests do not). */
    const fromPage = () => demo.registry.log.filter((e) => e.headers.origin !== undefined);

    /** The manifest's digest as the registry serves it (Node side, through the SDK). */
    async function digestOf(repository: string, reference: string, accept: string): Promise<string> {
      const res = await createAuthFetch({ credentials: DEMO_USER })(
        `${demo.registry.url}/v2/${repository}/manifests/${reference}`,
        { headers: { accept } },
      );
      return sha256Digest(new Uint8Array(await res.arrayBuffer()));
    }

    it('logs in, lists the catalog, and shows a manifest with its layers and sizes', async () => {
      expect(await page.$eval('#registry', (e) => (e as HTMLInputElement).value)).toBe(demo.registry.url);
      await fill(page, '#username', DEMO_USER.username);
      await fill(page, '#password', DEMO_USER.password);
      await page.click('#connect button[type=submit]');

      await expect.poll(() => textOf(page, '#status')).toBe('Connected as demo: 4 repositories.');
      expect(await listItems(page, '#repositories')).toEqual([
        'library/alpine',
        'library/hello',
        'team/api',
        'team/web',
      ]);

      await clickButton(page, 'team/api');
      await expect.poll(() => textOf(page, '#status')).toBe('team/api: 2 tags.');
      expect(await listItems(page, '#tags')).toEqual(['v1.0.0', 'v1.1.0']);

      await clickButton(page, 'v1.1.0');
      await expect.poll(() => textOf(page, '#manifest-title')).toBe('team/api:v1.1.0');
      const digest = await digestOf('team/api', 'v1.1.0', OCI_MANIFEST);
      expect(await page.$$eval('#manifest .facts dd', (dds) => dds.map((dd) => dd.textContent))).toEqual([
        OCI_MANIFEST,
        digest,
        'linux/amd64',
        '2030-03-15T09:00:00Z',
        expect.stringMatching(/^sha256:[0-9a-f]{12}… \(\d+ B\)$/),
      ]);
      expect(await textOf(page, '#manifest h3')).toBe('Layers (4) · 29.6 MiB');
      expect(
        (await tableRows(page, '#manifest table.layers')).map(([n, , type, size, bytes]) => [n, type, size, bytes]),
      ).toEqual([
        ['1', 'layer.v1.tar+gzip', '27.8 MiB', '29,124,000'],
        ['2', 'layer.v1.tar+gzip', '1.1 MiB', '1,204,224'],
        ['3', 'layer.v1.tar+gzip', '716.2 KiB', '733,421'],
        ['4', 'layer.v1.tar+gzip', '2.0 KiB', '2,048'],
      ]);
      await page.screenshot({ path: `${outputDir}${shot('browser-ui')}.png`, fullPage: true });

      // What went over the wire: Basic only to the token server, bearer tokens to the registry, nothing to storage.
      const auth = (server: string) =>
        [
          ...new Set(
            fromPage()
              .filter((e) => e.server === server && e.method !== 'OPTIONS')
              .map(authOf),
          ),
        ].sort();
      expect(auth('token')).toEqual(['Basic demo']);
      expect(auth('registry')).toEqual(['-', 'Bearer']);
      expect(auth('storage')).toEqual(['-']);
      const activity = await texts(page, '#activity li');
      // 299 or 300 s: the token's whole-second exp bounds its life
      expect(
        activity.some((line) => /^token fetched \(basic\) for repository:team\/api:pull, (299|300)s$/.test(line)),
      ).toBe(true);
    });

    it('anonymous: no catalog, a public repository by name, a multi-platform index down to one image', async () => {
      await page.click('#connect button[type=submit]');
      await expect.poll(() => textOf(page, '#status')).toBe('Catalog: HTTP 401 UNAUTHORIZED: authentication required');
      expect(await (await page.$('#repositories .note'))?.isVisible()).toBe(true);

      await fill(page, '#repository-name', 'library/alpine');
      await page.click('#open-repository button');
      await expect.poll(() => textOf(page, '#status')).toBe('library/alpine: 2 tags.');
      expect(await listItems(page, '#tags')).toEqual(['3.19', '3.20']);

      await clickButton(page, '3.20');
      await expect.poll(() => textOf(page, '#manifest-title')).toBe('library/alpine:3.20');
      expect(await page.$$eval('#manifest .facts dd', (dds) => dds.map((dd) => dd.textContent))).toEqual([
        OCI_INDEX,
        await digestOf('library/alpine', '3.20', OCI_INDEX),
      ]);
      expect((await tableRows(page, '#manifest table.platforms')).map(([platform]) => platform)).toEqual([
        'linux/amd64',
        'linux/arm64',
      ]);

      await clickButton(page, 'linux/arm64');
      await expect.poll(() => textOf(page, '#manifest-title')).toBe('library/alpine:3.20 linux/arm64');
      expect(await textOf(page, '#manifest h3')).toBe('Layers (1) · 3.9 MiB');
      expect((await tableRows(page, '#manifest table.layers')).map(([, , , size, bytes]) => [size, bytes])).toEqual([
        ['3.9 MiB', '4,090,128'],
      ]);
      await page.screenshot({ path: `${outputDir}${shot('browser-ui-anonymous')}.png`, fullPage: true });

      expect(
        fromPage()
          .map(authOf)
          .filter((a) => a !== '-' && a !== 'Bearer'),
      ).toEqual([]);
    });
  });
}
