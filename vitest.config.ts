import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The soak drives 100 workers against 2-second tokens: it gets a sequence group of its own, so it never shares
 * the machine with other test files (on 2 busy cores, request latency alone can outlast such a token).
 */
const SOAK = 'test/hardening/soak.test.ts';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The CLI, package and size tests run dist/: rebuild it first when it is missing or older than src/.
    globalSetup: ['test/support/build-dist.ts'],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line at the end.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, SOAK],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'soak', include: [SOAK], sequence: { groupOrder: 1 } } },
    ],
  },
});
