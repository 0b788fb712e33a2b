// Typed access from the tests to the in-page harness (page/harness.js).
import type { BrowserContext, Page } from 'puppeteer-core';

/** The JSON-safe subset of the auth fetch options, plus `useClock` (the harness' adjustable clock). */
export interface PageAuthOptions {
  credentials?: { username: string; password: string } | { accessToken: string };
  scopes?: string[];
  challenges?: Record<string, string>;
  realmCredentials?: RequestCredentials;
  tokenTimeoutMs?: number;
  tokenRetries?: number;
  useClock?: boolean;
}

export interface PageRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface PageResponse {
  status: number;
  url: string;
  redirected: boolean;
  /** content-type, docker-content-digest and www-authenticate, when the page can see them. */
  headers: Record<string, string>;
  body: string;
}

export interface PageError {
  name: string;
  message: string;
  isOciAuthError: boolean;
  isTypeError: boolean;
  code?: string;
  realm?: string;
  status?: number;
  serverCode?: string;
  serverMessage?: string;
  cause?: string;
}

export type Outcome = { ok: true; response: PageResponse } | { ok: false; error: PageError };

export interface RawOutcome {
  ok: boolean;
  response?: { status: number; headers: { 'www-authenticate': string | null } };
  error?: PageError;
}

export type PageEvent = { type: string } & Record<string, unknown>;

interface HarnessApi {
  create(id: string, options: PageAuthOptions): void;
  advanceClock(ms: number): void;
  fetch(id: string, url: string, init?: PageRequestInit | null): Promise<Outcome>;
  fetchAll(id: string, requests: { url: string; init?: PageRequestInit }[]): Promise<Outcome[]>;
  events(id: string): PageEvent[];
  rawFetch(url: string, init?: PageRequestInit | null): Promise<RawOutcome>;
}

type HarnessWindow = { harness: HarnessApi; harnessReady?: boolean };

/** One page of the harness in its own browser context (own cookies, own CORS preflight cache). */
export class Harness {
  readonly page: Page;

  private constructor(page: Page) {
    this.page = page;
  }

  static async open(context: BrowserContext, pageUrl: string): Promise<Harness> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) =>
      problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`),
    );
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(pageUrl);
    try {
      await page.waitForFunction(() => (window as unknown as HarnessWindow).harnessReady === true, { timeout: 10_000 });
    } catch (error) {
      throw new Error(`the harness page did not load: ${problems.join('; ') || String(error)}`);
    }
    return new Harness(page);
  }

  create(id: string, options: PageAuthOptions = {}): Promise<void> {
    return this.page.evaluate(([i, o]) => (window as unknown as HarnessWindow).harness.create(i, o), [
      id,
      options,
    ] as const);
  }

  advanceClock(ms: number): Promise<void> {
    return this.page.evaluate((m) => (window as unknown as HarnessWindow).harness.advanceClock(m), ms);
  }

  fetch(id: string, url: string, init?: PageRequestInit): Promise<Outcome> {
    return this.page.evaluate(([i, u, n]) => (window as unknown as HarnessWindow).harness.fetch(i, u, n), [
      id,
      url,
      init ?? null,
    ] as const);
  }

  fetchAll(id: string, requests: { url: string; init?: PageRequestInit }[]): Promise<Outcome[]> {
    return this.page.evaluate(([i, r]) => (window as unknown as HarnessWindow).harness.fetchAll(i, r), [
      id,
      requests,
    ] as const);
  }

  events(id: string): Promise<PageEvent[]> {
    return this.page.evaluate((i) => (window as unknown as HarnessWindow).harness.events(i), id);
  }

  rawFetch(url: string, init?: PageRequestInit): Promise<RawOutcome> {
    return this.page.evaluate(([u, n]) => (window as unknown as HarnessWindow).harness.rawFetch(u, n), [
      url,
      init ?? null,
    ] as const);
  }
}

/** The response of a successful outcome; fails the test with the page's error otherwise. */
export function responseOf(outcome: Outcome): PageResponse {
  if (!outcome.ok)
    throw new Error(
      `expected a response, the page got ${outcome.error.name} ${outcome.error.code ?? ''}: ${outcome.error.message}`,
    );
  return outcome.response;
}

/** The error of a failed outcome; fails the test when the page got a response. */
export function errorOf(outcome: Outcome): PageError {
  if (outcome.ok) throw new Error(`expected an error, the page got HTTP ${outcome.response.status}`);
  return outcome.error;
}
