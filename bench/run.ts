// `npm run bench`: every benchmark in one run, printed as tables and saved as JSON under bench/output/ (git-ignored).
//   npm run bench                     all four
//   npm run bench -- warm-path parse  some of them (warm-path, parse, round-trips, cache)
//   npm run bench -- --quick          fewer rounds and a 10 s long run (a smoke test, not for results)
//   npm run bench -- --save           write to bench/results/*.json instead: the recorded figures (committed)

import { printCacheScale, runCacheScale } from './cache-scale.ts';
import { printChallengeParse, runChallengeParse } from './challenge-parse.ts';
import { machine } from './lib/machine.ts';
import { recording, saveResult } from './lib/results.ts';
import { printLongRun, printRoundTrips, runLongRun, runRoundTrips } from './round-trips.ts';
import { printWarmPath, runWarmPath } from './warm-path.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const picked = args.filter((a) => !a.startsWith('--'));
const wants = (name: string) => picked.length === 0 || picked.includes(name);

const m = machine();
console.log(
  `oci-auth-fetch benchmarks on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node}${quick ? ' [quick]' : ''}\n`,
);

if (quick && recording) {
  console.error('--quick runs are smoke tests: they never update the recorded figures (drop --save).');
  process.exit(1);
}

function save(name: string, data: object): void {
  console.log(`saved ${saveResult(name, data)}\n`);
}

if (wants('warm-path')) {
  console.log('1. Warm path: createAuthFetch with a cached token vs fetch with the header set by hand (loopback)');
  const r = await runWarmPath({ requests: quick ? 4_000 : 20_000, rounds: quick ? 4 : 20, concurrency: [1, 64] });
  console.log(printWarmPath(r));
  save('warm-path', r);
}

if (wants('parse')) {
  console.log('2. Challenge parsing vs auth-header and www-authenticate');
  const r = runChallengeParse({ rounds: quick ? 5 : 30, passes: quick ? 500 : 2_000 });
  console.log(printChallengeParse(r));
  save('challenge-parse', r);
}

if (wants('round-trips')) {
  console.log('3. Round trips per scenario (counted by the reference registry)');
  const r = await runRoundTrips({ rounds: quick ? 1 : 5 });
  console.log(printRoundTrips(r));
  console.log(`\n3b. ${quick ? 10 : 60} s paced run (one pull every 100 ms per client) with 3 s tokens`);
  const l = await runLongRun({ durationMs: quick ? 10_000 : 60_000, tokenLifetimeSec: 3, intervalMs: 100 });
  console.log(printLongRun(l));
  save('round-trips', { scenarios: r, longRun: l });
}

if (wants('cache')) {
  console.log('4. Cache scale: 100k distinct scope sets through the default cache; lookups at 1k / 10k / 100k entries');
  const r = await runCacheScale({ distinct: quick ? 20_000 : 100_000, rounds: quick ? 1 : 5 });
  console.log(printCacheScale(r));
  save('cache-scale', r);
}
