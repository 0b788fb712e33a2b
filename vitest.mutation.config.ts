import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): everything that exercises src/ in-process.
 * Left out: tests of dist/ (CLI, package, size: a mutant of src/ never reaches them), the browser, runtime and
 * interop tests (other processes and engines), and the soak. No globalSetup: a mutation run builds nothing.
 *
 * MUTATION_TESTS=file,file narrows the run to some test files (a fast pass over one module):
 *   MUTATION_TESTS=test/cache.test.ts npx stryker run --mutate src/cache.ts
 */
const narrowed = process.env.MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    include: narrowed ?? ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      'test/hardening/soak.test.ts',
      'test/cli/**',
      'test/browser/**',
      'test/runtimes/**',
      'test/interop/**',
      'test/package.test.ts',
      'test/size.test.ts',
      'test/demo.test.ts',
    ],
  },
});
