// Benchmark 1: the warm path. createAuthFetch with a cached token against raw fetch with the header set by
// hand, same loopback server (its own process), alternating A/B in rounds; medians of per-round ratios.

import { createAuthFetch } from '../src/index.ts';
import { startLoopbackServer } from './lib/child-server.ts';
import { BENCH_TOKEN } from './lib/loopback-server.ts';
import { median, round, table } from './lib/stats.ts';

export interface WarmPathOptions {
  requests: number;
  rounds: number;
  concurrency: number[];
}

interface Batch {
  wallMs: number;
  cpuUs: number;
}

async function batch(op: () => Promise<void>, count: number, concurrency: number): Promise<Batch> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await op();
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuUs: used.user + used.system };
}

export async function runWarmPath(options: WarmPathOptions) {
  const server = await startLoopbackServer();
  const url = `${server.url}/v2/team/app/manifests/latest`;
  try {
    const authFetch = createAuthFetch();
    const warm = await authFetch(url);
    if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}`);
    await warm.arrayBuffer();
    const sdk = async () => {
      const res = await authFetch(url);
      await res.arrayBuffer();
    };
    const raw = async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
      await res.arrayBuffer();
    };

    const results = [];
    for (const concurrency of options.concurrency) {
      const perRound = Math.ceil(options.requests / options.rounds);
      // Warm both paths (JIT, sockets) before measuring.
      await batch(sdk, Math.min(2000, perRound), concurrency);
      await batch(raw, Math.min(2000, perRound), concurrency);
      const wallRatios: number[] = [];
      const cpuAdded: number[] = [];
      const sdkCpu: number[] = [];
      const rawCpu: number[] = [];
      const sdkWall: number[] = [];
      const rawWall: number[] = [];
      for (let r = 0; r < options.rounds; r++) {
        // ABBA: which one goes first alternates, so drift in the machine's state hits both alike.
        const [a, b] =
          r % 2 === 0
            ? [await batch(sdk, perRound, concurrency), await batch(raw, perRound, concurrency)]
            : await (async () => {
                const second = await batch(raw, perRound, concurrency);
                const first = await batch(sdk, perRound, concurrency);
                return [first, second] as const;
              })();
        wallRatios.push(a.wallMs / b.wallMs);
        cpuAdded.push((a.cpuUs - b.cpuUs) / perRound);
        sdkCpu.push(a.cpuUs / perRound);
        rawCpu.push(b.cpuUs / perRound);
        sdkWall.push((a.wallMs * 1000) / perRound);
        rawWall.push((b.wallMs * 1000) / perRound);
      }
      results.push({
        concurrency,
        requestsPerClient: perRound * options.rounds,
        rounds: options.rounds,
        wallRatioMedian: round(median(wallRatios), 4),
        wallRatioMin: round(Math.min(...wallRatios), 4),
        wallRatioMax: round(Math.max(...wallRatios), 4),
        wallUsPerRequest: { sdk: round(median(sdkWall), 1), raw: round(median(rawWall), 1) },
        cpuUsPerRequest: { sdk: round(median(sdkCpu), 1), raw: round(median(rawCpu), 1) },
        cpuUsAddedPerRequestMedian: round(median(cpuAdded), 1),
        target: { wallRatio: 1.03 },
        meetsTarget: median(wallRatios) <= 1.03,
      });
    }
    return { results, sdkAlone: await sdkAlone(options.rounds) };
  } finally {
    server.close();
  }
}

/**
 * The SDK's own cost, without a network: the same warm request through createAuthFetch over an in-memory
 * fetch, against that in-memory fetch called directly. Alternating rounds; µs per request added (median).
 */
async function sdkAlone(rounds: number) {
  const body = new Uint8Array(600);
  const memory = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    new Headers(init?.headers).get('authorization') === `Bearer ${BENCH_TOKEN}`
      ? new Response(body)
      : new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="https://auth.invalid/token",service="bench"' },
        });
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) =>
    String(input).startsWith('https://auth.invalid/')
      ? new Response(JSON.stringify({ token: BENCH_TOKEN, expires_in: 86_400 }))
      : memory(input, init);
  const authFetch = createAuthFetch({ fetch: fetchImpl });
  const url = 'https://registry.invalid/v2/team/app/manifests/latest';
  await (await authFetch(url)).arrayBuffer();
  const n = 20_000;
  const time = async (op: () => Promise<Response>) => {
    const started = performance.now();
    for (let i = 0; i < n; i++) await (await op()).arrayBuffer();
    return ((performance.now() - started) * 1000) / n;
  };
  const sdk = () => authFetch(url);
  const raw = () => memory(url, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  await time(sdk);
  await time(raw);
  const added: number[] = [];
  const sdkUs: number[] = [];
  const rawUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [a, b] =
      r % 2 === 0
        ? [await time(sdk), await time(raw)]
        : await (async () => {
            const second = await time(raw);
            return [await time(sdk), second] as const;
          })();
    added.push(a - b);
    sdkUs.push(a);
    rawUs.push(b);
  }
  return {
    requestsPerRound: n,
    rounds,
    usPerRequest: { sdk: round(median(sdkUs), 2), inMemoryFetch: round(median(rawUs), 2) },
    usAddedPerRequestMedian: round(median(added), 2),
  };
}

export function printWarmPath(result: Awaited<ReturnType<typeof runWarmPath>>): string {
  const alone = result.sdkAlone;
  const note = `SDK alone (in-memory fetch, no network): ${alone.usPerRequest.sdk} µs vs ${alone.usPerRequest.inMemoryFetch} µs per request, ${alone.usAddedPerRequestMedian} µs added (median of ${alone.rounds} rounds)`;
  return `${table([
    [
      'concurrency',
      'requests/client',
      'wall ratio (median)',
      'min',
      'max',
      'µs/req sdk',
      'µs/req raw',
      'CPU µs/req sdk',
      'CPU µs/req raw',
      'CPU µs added',
      'target ≤1.03',
    ],
    ...result.results.map((r) => [
      String(r.concurrency),
      r.requestsPerClient,
      r.wallRatioMedian,
      r.wallRatioMin,
      r.wallRatioMax,
      r.wallUsPerRequest.sdk,
      r.wallUsPerRequest.raw,
      r.cpuUsPerRequest.sdk,
      r.cpuUsPerRequest.raw,
      r.cpuUsAddedPerRequestMedian,
      r.meetsTarget ? 'met' : 'MISSED',
    ]),
  ])}\n${note}`;
}
