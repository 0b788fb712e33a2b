// Mutation testing: `npm run mutation` (all of src/), or a fast pass over one module with the tests that
// matter to it (docs/testing.md):
//   MUTATION_TESTS=test/cache.test.ts npm run mutation -- --mutate src/cache.ts
// Incremental: a run re-mutates only what changed since the last (reports/stryker-incremental.json, git-ignored).
// Equivalent mutants are marked in src/ with `// Stryker disable next-line <mutator>: <why it is equivalent>`.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // The CLI's help text is prose: mutating it says nothing about the tests.
  mutate: ['src/**/*.ts', '!src/node/cli/help.ts'],
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
