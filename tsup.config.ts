import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

// index: browser-safe root. oci: registry operations (browser-safe). node: Node-only subpath (credential files
// and helpers). One build with shared chunks, so the error classes exist once and instanceof works across them.
// The oci-auth-fetch command (package.json "bin") is an entry of the ESM build too: it shares those chunks
// instead of carrying its own copy of the SDK, and keeps its shebang.
const shared: Options = {
  entry: { index: 'src/index.ts', oci: 'src/oci/index.ts', node: 'src/node/index.ts' },
  dts: true,
  sourcemap: true,
  splitting: true,
  target: 'es2023',
  platform: 'neutral',
  treeshake: true,
};

export default defineConfig([
  // ESM: dependencies stay imports, so bundlers share them with the app and tree-shake ky away when unused.
  // client.ts and auth-fetch.ts are entries of their own so that splitting puts them in separate chunks: ky is
  // imported by the client's chunk only, which an app that never calls createRegistryClient drops with ky.
  {
    ...shared,
    entry: {
      ...(shared.entry as Record<string, string>),
      client: 'src/client.ts',
      'auth-fetch': 'src/auth-fetch.ts',
      cli: 'src/node/cli.ts',
    },
    dts: { entry: shared.entry as Record<string, string> },
    format: ['esm'],
    external: ['ky', /^node:/],
  },
  // CJS: ky ships ESM only, so it is bundled in; require() then works on every Node >= 22.
  { ...shared, format: ['cjs'], external: [/^node:/], noExternal: ['ky'] },
]);
