// Debian's Chromium, driven by playwright-core. No test tool downloads a browser: the executable is fixed.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The flags this machine needs. playwright-core also passes `--user-data-dir` with a fresh temporary profile
 * per launch (it refuses one in `args`) and removes it on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const present = existsSync(CHROMIUM_PATH);
const inCi = process.env.CI === 'true';

/**
 * True when the browser suites must be skipped: Chromium is missing and this is not CI. In CI a missing
 * Chromium is a failure (`launchChromium` throws), never a skip.
 */
export const skipBrowserTests = !present && !inCi;

if (skipBrowserTests) {
  console.warn(
    `\n!!! BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM_PATH}. Install it (apt-get install chromium, as .ci/run does) ` +
      'or set CHROMIUM_PATH. With CI=true these tests fail instead. !!!\n',
  );
}

export async function launchChromium(): Promise<Browser> {
  if (!present) {
    throw new Error(`Chromium is required for the browser tests (CI=${process.env.CI ?? ''}) but ${CHROMIUM_PATH} does not exist.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}
