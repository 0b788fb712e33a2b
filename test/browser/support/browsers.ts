// The browser engines the browser tests run in, both Debian's and both driven by puppeteer-core: Chromium over
// the DevTools protocol, Firefox over WebDriver BiDi. No test tool downloads a browser: the executables are fixed.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import type { Browser } from 'puppeteer-core';

export interface Engine {
  name: 'Chromium' | 'Firefox';
  executablePath: string;
  /** `${name}: ${message}` of the TypeError that fetch rejects with when the network, or CORS, refuses. */
  failedFetch: string;
  /** True when this engine's suites must be skipped: its browser is missing and this is not CI. */
  skip: boolean;
  launch(): Promise<Browser>;
}

const inCi = process.env.CI === 'true';

/**
 * For the hooks that launch a browser: a cold Firefox start takes 5 to 15 s on 2 busy cores, more than vitest's
 * hook timeout leaves next to the servers a suite starts.
 */
export const BROWSER_HOOK_TIMEOUT_MS = 90_000;

function engine(
  name: Engine['name'],
  executablePath: string,
  install: string,
  failedFetch: string,
  launch: (path: string) => Promise<Browser>,
): Engine {
  const present = existsSync(executablePath);
  const skip = !present && !inCi;
  if (skip) {
    console.warn(
      `\n!!! ${name.toUpperCase()} BROWSER TESTS SKIPPED: no ${name} at ${executablePath}. Install it (apt-get install ${install}, ` +
        `as .ci/run does) or set ${name.toUpperCase()}_PATH. With CI=true these tests fail instead. !!!\n`,
    );
  }
  return {
    name,
    executablePath,
    failedFetch,
    skip,
    launch() {
      // In CI a missing browser is a failure, never a skip.
      if (!present)
        throw new Error(
          `${name} is required for the browser tests (CI=${process.env.CI ?? ''}) but ${executablePath} does not exist.`,
        );
      return launch(executablePath);
    },
  };
}

/** The flags this machine needs; puppeteer adds a fresh temporary profile per launch and removes it on close. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const CHROMIUM = engine(
  'Chromium',
  process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  'chromium',
  'TypeError: Failed to fetch',
  (executablePath) =>
    puppeteer.launch({ browser: 'chrome', executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 }),
);

export const FIREFOX = engine(
  'Firefox',
  process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
  'firefox-esr',
  'TypeError: NetworkError when attempting to fetch resource.',
  (executablePath) => puppeteer.launch({ browser: 'firefox', executablePath, headless: true, timeout: 60_000 }),
);

export const ENGINES: Engine[] = [CHROMIUM, FIREFOX];
