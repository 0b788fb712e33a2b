// Browser size budget of the published ESM entry, bundled the way an app's bundler would: esbuild, platform
// 'browser', minified, tree-shaken, nothing external; then gzip (zlib's default level). Needs `npm run build`.
//   no ky on createAuthFetch's path, no Node built-in anywhere in the browser graph, and a size ceiling.
// The ceilings stop growth. They were 10 / 18.75 KiB; the split of the core into classes cost about 150 B, and a
// token store that a fleet shares (registry records and times to live in the cache, a failing or slow cache taken
// for a miss, a realm only the cache named kept from credentials) about 900 B, so they are 11 / 19.75 KiB now.
// docs/browser.md says where the bytes are and why.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Metafile, Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KIB = 1024;
const BUDGET = { authFetch: 11 * KIB, full: 19.75 * KIB };

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  sideEffects?: unknown;
  exports: Record<string, { import: { default: string } }>;
};
/** What `import … from 'oci-auth-fetch'` loads in an ESM bundler (the package's exports map). */
const esmEntry = pkg.exports['.']!.import.default;

interface Bundle {
  minified: number;
  gzipped: number;
  /** Input file -> bytes it contributes to the output. */
  contributions: Record<string, number>;
  /** Every file the bundler loaded, whether or not it made it into the output. */
  loaded: string[];
  /** Node built-ins some module tried to import. */
  nodeImports: string[];
}

const builtins = new Set(builtinModules);

/** Records (and keeps external, so the build completes) every import of a Node built-in. */
function nodeBuiltinGuard(found: string[]): Plugin {
  return {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith('node:') && !builtins.has(args.path)) return undefined;
        found.push(`${args.path} (imported by ${args.importer.replace(root, '')})`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** Pretends ky has side effects: what a bundler that ignores ky's own `sideEffects: false` would keep. */
const kyWithSideEffects: Plugin = {
  name: 'ky-with-side-effects',
  setup(b) {
    b.onResolve({ filter: /^ky$/ }, async (args) => {
      if (args.pluginData === 'inner') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      return { path: resolved.path, sideEffects: true };
    });
  },
};

async function bundle(code: string, extraPlugins: Plugin[] = []): Promise<Bundle> {
  const nodeImports: string[] = [];
  const result = await build({
    stdin: { contents: code, resolveDir: root, sourcefile: 'app.js', loader: 'js' },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2023',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [...extraPlugins, nodeBuiltinGuard(nodeImports)],
  });
  const output = result.outputFiles[0]!.contents;
  const meta: Metafile = result.metafile;
  const contributions: Record<string, number> = {};
  for (const out of Object.values(meta.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(out.inputs))
      if (bytesInOutput > 0) contributions[file] = bytesInOutput;
  }
  return {
    minified: output.byteLength,
    gzipped: gzipSync(output).byteLength,
    contributions,
    loaded: Object.keys(meta.inputs),
    nodeImports,
  };
}

const isKy = (file: string) => /(^|\/)node_modules\/ky\//.test(file);
const kib = (bytes: number) => `${(bytes / KIB).toFixed(2)} KiB`;

function report(name: string, b: Bundle, budget?: number): string {
  const parts = Object.entries(b.contributions)
    .map(([file, bytes]) => [file.replace(/^(?:.*\/)?node_modules\/([^/]+)\/.*$/, '$1 (dependency)'), bytes] as const)
    .reduce<Record<string, number>>((acc, [file, bytes]) => {
      acc[file] = (acc[file] ?? 0) + bytes;
      return acc;
    }, {});
  const detail = Object.entries(parts)
    .sort((a, b) => b[1] - a[1])
    .map(([file, bytes]) => `      ${file}: ${bytes} B minified`)
    .join('\n');
  return `  ${name}: ${kib(b.gzipped)} gzipped (${b.gzipped} B; ${kib(b.minified)} minified)${budget ? ` / budget ${kib(budget)}` : ''}\n${detail}`;
}

describe('browser bundle size budget', () => {
  let authFetchOnly: Bundle;
  let full: Bundle;
  const figures: string[] = [];

  beforeAll(async () => {
    if (!existsSync(`${root}${esmEntry}`))
      throw new Error(`${esmEntry} is missing: the size check measures the build. Run \`npm run build\` first.`);
    authFetchOnly = await bundle(`export { createAuthFetch } from './${esmEntry}';`);
    full = await bundle(`export * from './${esmEntry}';`);
    // The same from the sources, for a per-module breakdown of where the bytes are (not asserted).
    const bySource = await bundle(`export { createAuthFetch } from './src/index.ts';`);
    figures.push(
      report('createAuthFetch alone', authFetchOnly, BUDGET.authFetch),
      report('whole root entry (with ky)', full, BUDGET.full),
      report('createAuthFetch alone, from src/ (per module)', bySource),
    );
  });

  afterAll(() => {
    if (figures.length > 0)
      console.log(`Browser bundle sizes (esbuild --minify, platform browser, gzip -6):\n${figures.join('\n')}`);
  });

  it('the package is declared free of side effects (so bundlers drop what is not imported)', () => {
    expect(pkg.sideEffects).toBe(false);
  });

  it('no Node built-in anywhere in the browser graph (bundled with no externals)', () => {
    expect(full.nodeImports).toEqual([]);
    expect(authFetchOnly.nodeImports).toEqual([]);
  });

  it('createAuthFetch does not pull in ky', () => {
    expect(Object.keys(authFetchOnly.contributions).filter(isKy)).toEqual([]);
    expect(Object.keys(full.contributions).some(isKy)).toBe(true);
  });

  it('no ky import on the source path of createAuthFetch', async () => {
    const graph = await bundle(`export { createAuthFetch } from './src/auth-fetch.ts';`);
    expect(graph.loaded).toContain('src/auth-fetch.ts');
    expect(graph.loaded.filter(isKy)).toEqual([]);
  });

  // Fails while dist/index.js holds createAuthFetch and `import ky from 'ky'` in one file: then only ky's own
  // `sideEffects: false` keeps ky out of an app that never calls createRegistryClient (see docs/browser.md).
  it('no top-level ky import on the built path of createAuthFetch (ky is dropped even if it had side effects)', async () => {
    const strict = await bundle(`export { createAuthFetch } from './${esmEntry}';`, [kyWithSideEffects]);
    expect(Object.keys(strict.contributions).filter(isKy)).toEqual([]);
  });

  it(`createAuthFetch alone is at most ${kib(BUDGET.authFetch)} gzipped`, () => {
    expect(authFetchOnly.gzipped, report('createAuthFetch alone', authFetchOnly, BUDGET.authFetch)).toBeLessThanOrEqual(
      BUDGET.authFetch,
    );
  });

  it(`the whole root entry, ky included, is at most ${kib(BUDGET.full)} gzipped`, () => {
    expect(full.gzipped, report('whole root entry', full, BUDGET.full)).toBeLessThanOrEqual(BUDGET.full);
  });
});
