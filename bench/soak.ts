// `npm run soak`: 100 workers pulling from the reference registry for 60 s with 3-second tokens while 5% of
// token requests fail. Exits non-zero when a request failed, a 401 reached a caller, token fetches ran away,
// or the heap grew. Saves bench/output/soak.json (git-ignored).
//   npm run soak -- --save           write to bench/results/soak.json instead: the recorded figures (committed)
//   npm run soak -- --seconds 20     a shorter run (not saved)

import { recording, saveResult } from './lib/results.ts';
import { runSoak } from './lib/soak.ts';
import { round, table } from './lib/stats.ts';

const at = process.argv.indexOf('--seconds');
const seconds = at > 0 ? Number(process.argv[at + 1]) : 60;
const full = seconds === 60;
if (recording && !full) {
  console.error('only the 60 s soak updates the recorded figures (drop --seconds or --save).');
  process.exit(1);
}

const result = await runSoak({
  workers: 100,
  durationMs: seconds * 1000,
  tokenLifetimeSec: 3,
  failureRate: 0.05,
  repositories: 10,
  seed: 20_261_129,
  sampleEveryMs: 5_000,
  tokenRetries: 2,
});

const mib = (b: number) => round(b / 2 ** 20, 2);
console.log(
  table([
    ['metric', 'value'],
    ['duration s', round(result.elapsedMs / 1000, 1)],
    ['workers / repositories', `${result.options.workers} / ${result.options.repositories}`],
    ['operations (manifest + blob)', result.operations],
    ['caller requests', result.callerRequests],
    ['failed requests', result.failedRequests],
    ['401s reaching a caller', result.callerSaw401],
    ['registry requests / 401s', `${result.registryRequests} / ${result.registry401s}`],
    [
      'token requests / ok / injected failures',
      `${result.tokenRequests} / ${result.tokenFetchesOk} / ${result.injectedFailures} (${round(result.injectedRate * 100, 1)}%)`,
    ],
    ['token fetches per lifetime per scope', round(result.tokenFetchesPerLifetimePerScope, 3)],
    ['… per refresh interval (¾ lifetime) per scope', round(result.tokenFetchesPerRefreshIntervalPerScope, 3)],
    [
      'token fetches one scope: fewest / most (allowed)',
      `${result.minTokenFetchesOneScope} / ${result.maxTokenFetchesOneScope} (at most ${result.tokenFetchBounds.most} + 1 per rejected token; at least what the registry counted as needed, less 1)`,
    ],
    ['tokens the registry rejected', result.rejectedTokens],
    ['heap growth after warm-up MiB', mib(result.heapGrowthBytes)],
    ['heap samples MiB', result.heapSamples.map((s) => mib(s.heapBytes)).join(' ')],
  ]),
);

const failures = [
  result.failedRequests > 0 && `${result.failedRequests} failed requests`,
  result.callerSaw401 > 0 && `${result.callerSaw401} 401s reached a caller`,
  result.scopesOutOfBounds.some((s) => s.fetches > result.tokenFetchBounds.most + s.rejected) &&
    'token fetches ran away (a duplicate or premature fetch)',
  result.scopesOutOfBounds.some((s) => s.fetches < s.needed - 1) &&
    'a scope took fewer tokens than its accepted requests needed',
  result.heapGrowthBytes > 32 * 2 ** 20 && 'heap grew by more than 32 MiB',
].filter((x): x is string => typeof x === 'string');

if (full)
  console.log(
    `saved ${saveResult('soak', { ...result, errorSamples: result.errorSamples.map(String), criteriaFailed: failures })}`,
  );
if (failures.length > 0) {
  console.error(`soak FAILED: ${failures.join('; ')}`);
  process.exitCode = 1;
} else {
  console.log('soak passed: no failed request, no 401 reached a caller, token fetches and heap steady');
}
