// The soak: many workers pulling from the reference registry with short-lived tokens while the token
// endpoint fails now and then. Shared by `npm run soak` (60 s) and the short variant in `npm test`.

import { AsyncLocalStorage } from 'node:async_hooks';
import { createAuthFetch } from '../../src/index.ts';
import type { AuthEvent, Credential } from '../../src/index.ts';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { ReferenceRegistry, TokenFault } from '../../reference/registry.ts';
import { settledHeapBytes } from './gc.ts';
import { seedImage } from './seed.ts';
import type { SeededImage } from './seed.ts';
import type { FromRegistry, ToRegistry } from './soak-registry.ts';
import { seeded } from './stats.ts';

export interface SoakOptions {
  workers: number;
  durationMs: number;
  tokenLifetimeSec: number;
  /** Share of token requests that fail (500, 502 with HTML, 503, 429 with Retry-After: 0). */
  failureRate: number;
  repositories: number;
  seed: number;
  /** Heap samples (after GC) this often. */
  sampleEveryMs: number;
  /** The SDK's token retry budget the injection must stay within (its default is 2). */
  tokenRetries: number;
  onEvent?: (event: AuthEvent) => void;
  /** Receives every bearer token the registry saw (to scan reports for them). */
  onBearer?: (token: string) => void;
}

export interface SoakResult {
  options: Omit<SoakOptions, 'onEvent' | 'onBearer'>;
  elapsedMs: number;
  operations: number;
  callerRequests: number;
  failedRequests: number;
  /** Responses with status 401 handed to a worker. */
  callerSaw401: number;
  thrown: number;
  /** Up to 10 requests that failed: what the caller saw (a status or an error) and the SDK's events for it. */
  errorSamples: ErrorSample[];
  registryRequests: number;
  registry401s: number;
  tokenRequests: number;
  tokenFetchesOk: number;
  injectedFailures: number;
  injectedRate: number;
  scopes: number;
  /** Successful token fetches per scope per token lifetime (1.0 = one per lifetime). */
  tokenFetchesPerLifetimePerScope: number;
  /** The same against the SDK's documented refresh interval (lifetime minus a quarter). */
  tokenFetchesPerRefreshIntervalPerScope: number;
  maxTokenFetchesOneScope: number;
  minTokenFetchesOneScope: number;
  /** What any one scope's successful token fetches must lie within (see `tokenFetchBounds`). */
  tokenFetchBounds: { least: number; most: number };
  /** Per scope, the fewest tokens that could have served the requests the registry accepted (the lower bound). */
  scopesNeeded: Record<string, number>;
  /** Distinct tokens the registry rejected (401 to a request that carried one): each may cost one more fetch. */
  rejectedTokens: number;
  /**
   * Scopes whose fetches fall outside the bounds: more than `most` plus the rejections of that scope, or fewer than
   * the tokens its accepted requests needed (`needed`, counted by the registry) less one (a token fetched while
   * seeding may serve the first requests counted).
   */
  scopesOutOfBounds: { scope: string; fetches: number; rejected: number; needed: number }[];
  heapSamples: { atMs: number; heapBytes: number }[];
  /** Heap after the first sample past warm-up vs the last one. */
  heapGrowthBytes: number;
}

export interface ErrorSample {
  /** Path of the request (the registry is on loopback). */
  path: string;
  /** The status handed to the caller, when it got a response. */
  status?: number;
  error?: unknown;
  /** The events this request caused, in order, with ms since the run started. */
  trail: string[];
}

/** One line per event: what a reader of a failure report needs (never a secret: events hold none). */
function describe(event: AuthEvent, atMs: number): string {
  const { type, ...rest } = event;
  const fields = Object.entries(rest)
    .filter(([k]) => k !== 'registry')
    .map(
      ([k, v]) => `${k}=${v instanceof Error ? `${v.name}: ${v.message}` : Array.isArray(v) ? v.join(' ') : String(v)}`,
    );
  return `${Math.round(atMs)} ms ${type} ${fields.join(', ')}`;
}

const FAULTS: TokenFault[] = [
  { status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"internal error"}]}', contentType: 'application/json' },
  { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' },
  { status: 503, body: 'upstream unavailable' },
  {
    status: 429,
    body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
    headers: { 'Retry-After': '0' },
  },
];

/**
 * How many successful token fetches one scope can take in `elapsedMs`, whatever the load. The reference signs
 * `exp` in whole seconds, so a token lives between `lifetimeSec - 1` and `lifetimeSec` seconds from its issue.
 * The SDK starts a replacement no earlier than three quarters of a token's life after it started the fetch
 * (or on a 401, at `exp`), so fetch starts are at least 0.75 × (lifetimeSec - 1) s apart: more than `most` is
 * a duplicate or premature fetch, however slow the machine; except that each token the registry rejects costs one
 * fetch of its own right then (the retry waits for a token obtained after the rejection), so a scope may take one
 * more per token rejected in it. A token never outlives `lifetimeSec`, so a scope in use throughout needs at least
 * `least`; a scope a loaded machine leaves idle for a while needs fewer, which the registry counts (`tokensNeeded`).
 */
export function tokenFetchBounds(elapsedMs: number, lifetimeSec: number): { least: number; most: number } {
  const minimumGapMs = 0.75 * (lifetimeSec - 1) * 1000;
  return {
    least: Math.floor(elapsedMs / (lifetimeSec * 1000)),
    most: minimumGapMs > 0 ? Math.floor(elapsedMs / minimumGapMs) + 1 : Infinity,
  };
}

const USER = 'soak';
/** Exported so that reports can be scanned for it. */
export const SOAK_PASSWORD = 'soak-password-not-a-secret-elsewhere';

/**
 * Faults are armed on the reference's token endpoint for its next request, spread evenly so that `rate` of the
 * token requests fail (the kind of fault is drawn at random). Never while some scope has already failed
 * `retries` times in a row: the SDK's retry budget is the contract under test, and three failures in a row for
 * one scope is an outage (covered by the fault tests).
 */
function faultInjector(arm: (fault: TokenFault) => void, rate: number, retries: number, random: () => number) {
  const streak = new Map<string, number>();
  const state = { enabled: false, injected: 0, tokenRequests: 0, ok: 0, perScope: new Map<string, number>() };
  // The first fault is armed up front (see runSoak): it counts against the share.
  let owed = -1;
  const onToken = (entry: { status: number; query: string }) => {
    if (!state.enabled) return;
    state.tokenRequests++;
    const scope = new URLSearchParams(entry.query).getAll('scope').join(' ');
    if (entry.status === 200) {
      state.ok++;
      state.perScope.set(scope, (state.perScope.get(scope) ?? 0) + 1);
      streak.delete(scope);
    } else {
      state.injected++;
      streak.set(scope, (streak.get(scope) ?? 0) + 1);
    }
    owed += rate;
    const exhausted = [...streak.values()].some((n) => n >= retries);
    if (owed >= 1 && !exhausted) {
      owed -= 1;
      arm(FAULTS[Math.floor(random() * FAULTS.length)]!);
    }
  };
  return { state, onToken };
}

/** The reference registry in a worker thread of its own (see soak-registry.ts), with what the soak needs of it. */
async function startRegistryThread(
  tokenLifetimeSec: number,
  onToken: (entry: { status: number; query: string }) => void,
) {
  // Bundled to one CommonJS script first: a worker thread gets no TypeScript from vitest, and Node's own type
  // stripping is missing or behind a flag on some of the Node versions that run this (the flag itself is refused
  // by a worker on Node 20).
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./soak-registry.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const worker = new Worker(bundle.outputFiles[0]!.text, {
    eval: true,
    workerData: { users: { [USER]: SOAK_PASSWORD }, tokenLifetimeSec },
  });
  const tell = (message: ToRegistry) => worker.postMessage(message);
  let summarise: (summary: Extract<FromRegistry, { type: 'summary' }>) => void;
  let fail: (error: Error) => void;
  const summary = new Promise<Extract<FromRegistry, { type: 'summary' }>>((resolve, reject) => {
    summarise = resolve;
    fail = reject;
  });
  summary.catch(() => {}); // read by finish()
  // A thread that dies says so, instead of leaving the soak waiting for it.
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(new Error(`the registry thread exited (code ${code}) before its summary`)));
  const ready = await new Promise<Extract<FromRegistry, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: FromRegistry) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'token') onToken(message);
      else summarise(message);
    });
  });
  // What seedImage uses of a ReferenceRegistry.
  const registry = {
    url: ready.url,
    realm: ready.realm,
    service: ready.service,
    log: [],
    clearLog: () => tell({ type: 'clear' }),
  };
  return {
    registry: registry as unknown as ReferenceRegistry,
    arm: (fault: TokenFault) => tell({ type: 'fail', fault }),
    count: () => tell({ type: 'count' }),
    /** Registry requests and 401s since `count`, and every bearer token it saw; the thread then ends. */
    finish: async () => {
      tell({ type: 'finish' });
      try {
        return await summary;
      } finally {
        await worker.terminate();
      }
    },
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const random = seeded(options.seed);
  let arm: (fault: TokenFault) => void = () => {};
  const injector = faultInjector((fault) => arm(fault), options.failureRate, options.tokenRetries, random);
  const thread = await startRegistryThread(options.tokenLifetimeSec, injector.onToken);
  arm = thread.arm;
  const { registry } = thread;
  let finished: Awaited<ReturnType<typeof thread.finish>> | undefined;
  try {
    const images: SeededImage[] = [];
    for (let i = 0; i < options.repositories; i++) {
      images.push(
        await seedImage(registry, {
          user: USER,
          password: SOAK_PASSWORD,
          repository: `soak/repo-${i}`,
          layers: 1,
          layerBytes: 2048,
        }),
      );
    }
    // Seeding is not counted: start from zero.
    thread.count();
    injector.state.enabled = true;
    // One failure up front, so that even a short run is sure to meet one; then the rate applies.
    arm(FAULTS[0]!);

    const credential: Credential = { username: USER, password: SOAK_PASSWORD };
    // Each caller's events are collected along its own async path, so a failure report says what led to it.
    const trails = new AsyncLocalStorage<string[]>();
    const onEvent = (event: AuthEvent) => {
      trails.getStore()?.push(describe(event, performance.now() - started));
      options.onEvent?.(event);
    };
    const authFetch = createAuthFetch({ credentials: credential, tokenRetries: options.tokenRetries, onEvent });
    const counters = { operations: 0, callerRequests: 0, failed: 0, saw401: 0, thrown: 0 };
    const errorSamples: ErrorSample[] = [];
    const started = performance.now();
    const deadline = started + options.durationMs;

    const get = async (url: string) => {
      counters.callerRequests++;
      const trail: string[] = [];
      const path = new URL(url).pathname;
      try {
        // A safety net, not a timing check: a request still unanswered after 20 s is reported with its trail.
        const res = await trails.run(trail, () => authFetch(url, { signal: AbortSignal.timeout(20_000) }));
        await res.arrayBuffer();
        if (res.status === 401) counters.saw401++;
        if (res.status !== 200) {
          counters.failed++;
          if (errorSamples.length < 10) errorSamples.push({ path, status: res.status, trail });
        }
      } catch (error) {
        counters.thrown++;
        counters.failed++;
        if (errorSamples.length < 10) errorSamples.push({ path, error, trail });
      }
    };
    const worker = async (w: number) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const image = images[(w + i) % images.length]!;
        await get(`${registry.url}/v2/${image.repository}/manifests/${image.tag}`);
        await get(`${registry.url}/v2/${image.repository}/blobs/${image.layers[0]}`);
        counters.operations++;
      }
    };

    const heapSamples: { atMs: number; heapBytes: number }[] = [];
    const sampler = setInterval(() => {
      const atMs = Math.round(performance.now() - started);
      void settledHeapBytes().then((heapBytes) => heapSamples.push({ atMs, heapBytes }));
    }, options.sampleEveryMs);
    await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
    clearInterval(sampler);
    const elapsedMs = performance.now() - started;
    // Every token request has been reported before the summary (messages keep their order).
    finished = await thread.finish();
    for (const bearer of finished.bearers) options.onBearer?.(bearer);
    heapSamples.push({ atMs: Math.round(elapsedMs), heapBytes: await settledHeapBytes() });

    const warm = heapSamples.find((s) => s.atMs >= options.durationMs / 4) ?? heapSamples[0]!;
    const last = heapSamples.at(-1)!;
    const s = injector.state;
    const lifetimes = elapsedMs / (options.tokenLifetimeSec * 1000);
    const bounds = tokenFetchBounds(elapsedMs, options.tokenLifetimeSec);
    const { onEvent: _e, onBearer: _b, ...plain } = options;
    return {
      options: plain,
      elapsedMs: Math.round(elapsedMs),
      operations: counters.operations,
      callerRequests: counters.callerRequests,
      failedRequests: counters.failed,
      callerSaw401: counters.saw401,
      thrown: counters.thrown,
      errorSamples,
      registryRequests: finished.requests,
      registry401s: finished.unauthorized,
      tokenRequests: s.tokenRequests,
      tokenFetchesOk: s.ok,
      injectedFailures: s.injected,
      injectedRate: s.tokenRequests === 0 ? 0 : s.injected / s.tokenRequests,
      scopes: s.perScope.size,
      tokenFetchesPerLifetimePerScope: s.ok / Math.max(1, s.perScope.size) / lifetimes,
      tokenFetchesPerRefreshIntervalPerScope: s.ok / Math.max(1, s.perScope.size) / (lifetimes / 0.75),
      maxTokenFetchesOneScope: Math.max(0, ...s.perScope.values()),
      minTokenFetchesOneScope: Math.min(...s.perScope.values()),
      tokenFetchBounds: bounds,
      scopesNeeded: finished.tokensNeeded,
      rejectedTokens: Object.values(finished.rejected).reduce((a, b) => a + b, 0),
      scopesOutOfBounds: [...s.perScope]
        .map(([scope, fetches]) => ({
          scope,
          fetches,
          rejected: finished!.rejected[scope] ?? 0,
          needed: finished!.tokensNeeded[scope] ?? 0,
        }))
        .filter(({ fetches, rejected, needed }) => fetches < needed - 1 || fetches > bounds.most + rejected),
      heapSamples,
      heapGrowthBytes: last.heapBytes - warm.heapBytes,
    };
  } finally {
    if (!finished) await thread.finish();
  }
}
