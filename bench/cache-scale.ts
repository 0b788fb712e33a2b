// Benchmark 4: cache scale. 100k distinct scope sets through an auth fetch with the default cache settings
// (memory must stay bounded by maxEntries), and lookup cost at 1k / 10k / 100k entries (must stay O(1)):
// the cache alone, and a whole warm request through createAuthFetch over an in-memory fetch.

import { createAuthFetch, MemoryTokenCache } from '../src/index.ts';
import type { CachedToken } from '../src/index.ts';
import { settledHeapBytes } from './lib/gc.ts';
import { median, round, seeded, table } from './lib/stats.ts';

const REALM = 'https://auth.bench.invalid/token';

/** A registry and realm in memory: every token is good for an hour and grants what was asked. */
function memoryRegistry(): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === 'https://auth.bench.invalid') {
      const scope = url.searchParams.getAll('scope').join(' ');
      return new Response(JSON.stringify({ token: `t:${scope}`, expires_in: 3600 }), {
        headers: { 'content-type': 'application/json' },
      });
    }
    const auth = new Headers(init?.headers).get('authorization');
    if (!auth) {
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${REALM}",service="bench"` },
      });
    }
    return new Response('{}');
  };
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 2);

async function throughDefaultCache(distinct: number) {
  const cache = new MemoryTokenCache(); // the default: what createAuthFetch makes when given no cache
  const authFetch = createAuthFetch({ fetch: memoryRegistry(), cache });
  const url = (i: number) => `https://registry.bench.invalid/v2/repo-${i}/manifests/latest`;
  await (await authFetch(url(0))).arrayBuffer();
  const heapBefore = await settledHeapBytes();
  const samples: { sets: number; heapMiB: number; cacheEntries: number }[] = [];
  let elapsed = 0;
  let started = performance.now();
  for (let i = 1; i <= distinct; i++) {
    await (await authFetch(url(i))).arrayBuffer();
    if (i === 1_000 || i % Math.max(1, distinct / 10) === 0 || i === distinct) {
      elapsed += performance.now() - started;
      samples.push({ sets: i, heapMiB: mib(await settledHeapBytes()), cacheEntries: cache.size });
      started = performance.now();
    }
  }
  const heapAfter = await settledHeapBytes();
  return {
    distinctScopeSets: distinct,
    maxEntries: cache.maxEntries,
    cacheEntriesAfter: cache.size,
    heapBeforeMiB: mib(heapBefore),
    heapAfterMiB: mib(heapAfter),
    heapGrowthMiB: mib(heapAfter - heapBefore),
    // Bounded means flat once the cache and the covering index are full: compare the two halves.
    heapGrowthSecondHalfMiB: round(
      samples.at(-1)!.heapMiB - (samples.find((x) => x.sets >= distinct / 2)?.heapMiB ?? Number.NaN),
      2,
    ),
    heapAt: samples,
    usPerColdScope: round((elapsed * 1000) / distinct, 1),
    bounded: cache.size <= cache.maxEntries,
  };
}

function entry(i: number): CachedToken {
  return {
    token: `token-${i}`,
    expiresAt: Date.now() + 3_600_000,
    obtainedAt: Date.now(),
    scopes: [`repository:repo-${i}:pull`],
  };
}

/** ns per cache.get() hit, over random keys, for a cache holding `size` entries. */
function rawLookupNs(size: number, lookups: number): number {
  const cache = new MemoryTokenCache({ maxEntries: 200_000 });
  const key = (i: number) => `${REALM}\nbench\n3f2a9c0d1e4b5a6978877665544332211\nrepository:team/repo-${i}:pull`;
  for (let i = 0; i < size; i++) cache.set(key(i), entry(i));
  const random = seeded(size);
  const keys = Array.from({ length: 4096 }, () => key(Math.floor(random() * size)));
  let hits = 0;
  const started = process.hrtime.bigint();
  for (let n = 0; n < lookups; n++) if (cache.get(keys[n & 4095]!)) hits++;
  const ns = Number(process.hrtime.bigint() - started) / lookups;
  if (hits !== lookups) throw new Error('lookup missed');
  return ns;
}

/** A warm auth fetch (in-memory registry) holding `size` cached scopes, and the URLs to look up at random. */
async function warmAuthFetch(size: number) {
  const authFetch = createAuthFetch({ fetch: memoryRegistry(), cache: new MemoryTokenCache({ maxEntries: 200_000 }) });
  const url = (i: number) => `https://registry.bench.invalid/v2/team/repo-${i}/manifests/latest`;
  for (let i = 0; i < size; i++) await (await authFetch(url(i))).arrayBuffer();
  const random = seeded(size + 1);
  const urls = Array.from({ length: 4096 }, () => url(Math.floor(random() * size)));
  return { authFetch, urls };
}

/** ns per warm request through createAuthFetch: scope inference, cache key, LRU touch, expiry check, fetch. */
async function warmRequestNs(warm: Awaited<ReturnType<typeof warmAuthFetch>>, requests: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let n = 0; n < requests; n++) await (await warm.authFetch(warm.urls[n & 4095]!)).arrayBuffer();
  return Number(process.hrtime.bigint() - started) / requests;
}

const SIZES = [1_000, 10_000, 100_000];

export async function runCacheScale(options: { distinct: number; rounds: number }) {
  const scale = await throughDefaultCache(options.distinct);
  const raw = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const sdk = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const warm = new Map<number, Awaited<ReturnType<typeof warmAuthFetch>>>();
  for (const size of SIZES) warm.set(size, await warmAuthFetch(size));
  for (let r = 0; r < options.rounds; r++) {
    // Rotate which size goes first.
    const order = SIZES.map((_, i) => SIZES[(i + r) % SIZES.length]!);
    for (const size of order) raw.get(size)!.push(rawLookupNs(size, 2_000_000));
    for (const size of order) sdk.get(size)!.push(await warmRequestNs(warm.get(size)!, 50_000));
  }
  const row = (m: Map<number, number[]>) => {
    const at = Object.fromEntries(SIZES.map((n) => [n, round(median(m.get(n)!), 1)]));
    return { nsAt: at, ratio100kTo1k: round(at[100_000]! / at[1_000]!, 2) };
  };
  return { scale, lookups: { cacheGet: row(raw), warmRequest: row(sdk) }, rounds: options.rounds };
}

export function printCacheScale(r: Awaited<ReturnType<typeof runCacheScale>>): string {
  const s = r.scale;
  const first = table([
    [
      'distinct scope sets',
      'maxEntries',
      'entries after',
      'heap before MiB',
      'heap after MiB',
      'growth MiB',
      'growth 2nd half MiB',
      'µs per cold scope',
    ],
    [
      s.distinctScopeSets,
      s.maxEntries,
      s.cacheEntriesAfter,
      s.heapBeforeMiB,
      s.heapAfterMiB,
      s.heapGrowthMiB,
      s.heapGrowthSecondHalfMiB,
      s.usPerColdScope,
    ],
  ]);
  const heap = table([
    ['after N sets', 'heap MiB', 'cache entries'],
    ...s.heapAt.map((x) => [x.sets, x.heapMiB, x.cacheEntries]),
  ]);
  const second = table([
    ['lookup', 'ns at 1k entries', 'ns at 10k', 'ns at 100k', '100k / 1k'],
    ...(['cacheGet', 'warmRequest'] as const).map((k) => {
      const l = r.lookups[k];
      return [
        k === 'cacheGet' ? 'MemoryTokenCache.get' : 'warm authFetch request (in-memory fetch)',
        l.nsAt[1_000]!,
        l.nsAt[10_000]!,
        l.nsAt[100_000]!,
        l.ratio100kTo1k,
      ];
    }),
  ]);
  return `${first}\n\n${heap}\n\n${second}`;
}
