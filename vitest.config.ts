import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The JSON report lets .ci/run print one plain "N passed, N failed" line at the end.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest.json' },
  },
});
