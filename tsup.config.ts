import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

const shared: Options = {
  entry: { index: 'src/index.ts' },
  dts: true,
  sourcemap: true,
  target: 'es2023',
  platform: 'neutral',
  treeshake: true,
};

export default defineConfig([
  // ESM: dependencies stay imports, so bundlers share them with the app and tree-shake ky away when unused.
  { ...shared, format: ['esm'], external: ['ky', 'jwt-decode'] },
  // CJS: ky ships ESM only, so it is bundled in; require() then works on every Node >= 22.
  { ...shared, format: ['cjs'], external: ['jwt-decode'], noExternal: ['ky'] },
]);
