import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

// index: browser-safe root. node: Node-only subpath (credential files and helpers).
// Both entries in one build with shared chunks, so the error classes exist once and instanceof works across them.
const shared: Options = {
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  dts: true,
  sourcemap: true,
  splitting: true,
  target: 'es2023',
  platform: 'neutral',
  treeshake: true,
};

export default defineConfig([
  // ESM: dependencies stay imports, so bundlers share them with the app and tree-shake ky away when unused.
  { ...shared, format: ['esm'], external: ['ky', 'jwt-decode', /^node:/] },
  // CJS: ky ships ESM only, so it is bundled in; require() then works on every Node >= 22.
  { ...shared, format: ['cjs'], external: ['jwt-decode', /^node:/], noExternal: ['ky'] },
  // The oci-auth-fetch command (package.json "bin"): ESM only, for Node; no types. Keeps its shebang.
  {
    entry: { cli: 'src/node/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    treeshake: true,
    removeNodeProtocol: false,
    external: ['ky', 'jwt-decode', /^node:/],
  },
]);
