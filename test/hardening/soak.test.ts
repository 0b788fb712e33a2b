// The short soak (the 60 s one is `npm run soak`): 100 workers pulling for 8 s with 2-second tokens while 5% of
// token requests fail. Counts only: no failed request, no 401 reaching a caller, about one token fetch per
// refresh interval per scope, a flat heap, and no secret in any event or error.

import { expect, it } from 'vitest';
import { runSoak, SOAK_PASSWORD } from '../../bench/lib/soak.ts';
import { Observed } from '../support/secrets.ts';

it('100 workers, 8 s, 2 s tokens, 5% token failures: nothing reaches the callers', async () => {
  const seen = new Observed();
  const bearers = new Set<string>();
  const result = await runSoak({
    workers: 100,
    durationMs: 8_000,
    tokenLifetimeSec: 2,
    failureRate: 0.05,
    repositories: 10,
    seed: 20_261_129,
    sampleEveryMs: 1_000,
    tokenRetries: 2,
    onEvent: seen.onEvent,
    onBearer: (token) => bearers.add(token),
  });
  seen.errors.push(...result.errorSamples);
  // Every assertion carries the whole summary: a CI failure must say what happened.
  const { heapSamples: _h, errorSamples, ...summary } = result;
  const why = JSON.stringify({ ...summary, errorSamples: errorSamples.map(String) });

  expect(result.operations, why).toBeGreaterThan(100);
  expect({ failed: result.failedRequests, saw401: result.callerSaw401, thrown: result.thrown }, why).toEqual({ failed: 0, saw401: 0, thrown: 0 });
  expect(result.injectedFailures, why).toBeGreaterThanOrEqual(1);
  expect(result.scopes, why).toBe(10);
  // Tokens are replaced a quarter of their life early, so one fetch per 1.5 s per scope is the ideal; 401s from
  // tokens the registry expires early (JWT exp has whole seconds) and the injected failures add a little.
  expect(result.tokenFetchesPerRefreshIntervalPerScope, why).toBeGreaterThan(0.5);
  expect(result.tokenFetchesPerRefreshIntervalPerScope, why).toBeLessThan(1.6);
  expect(result.heapGrowthBytes, why).toBeLessThan(16 * 1024 * 1024);
  expect(bearers.size).toBeGreaterThan(10);
  seen.expectNoSecrets([SOAK_PASSWORD, ...bearers]);
}, 60_000);
