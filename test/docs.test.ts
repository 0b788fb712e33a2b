// Every TypeScript block in README.md and docs/ type-checks as a module of its own that imports the package by its
// name (the built package, as a user installs it). A block that is only a fragment says so in its info string
// (```ts fragment) and is listed here, not checked; nothing is skipped silently.

import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

interface Block {
  /** `docs/x.md:12`: where the block's first code line is. */
  where: string;
  code: string;
  fragment: boolean;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(?:ts|typescript)(\s+fragment)?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    out.push({ where: `${file}:${i + 2}`, code: lines.slice(i + 1, end).join('\n'), fragment: !!open[1] });
    i = end;
  }
  return out;
}

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = docs.flatMap(blocksOf);
const checked = blocks.filter((b) => !b.fragment);

// A project that installs the package by name: node_modules/oci-auth-fetch is this repository (its dist/ and
// package.json exports), as `npm install` would lay it out. The stores the caching recipes use (docs/caching.md) are
// installed beside it, so that a recipe that stops fitting TokenCache fails here.
const project = mkdtempSync(join(tmpdir(), 'oci-auth-fetch-docs-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
mkdirSync(join(project, 'node_modules', '@keyv'), { recursive: true });
symlinkSync(root, join(project, 'node_modules', 'oci-auth-fetch'), 'dir');
for (const name of ['keyv', '@keyv/redis'])
  symlinkSync(join(root, 'node_modules', name), join(project, 'node_modules', name), 'dir');
const fileOf = (i: number) => join(project, `block-${i}.ts`);
for (const [i, b] of checked.entries()) writeFileSync(fileOf(i), `${b.code}\nexport {};\n`);

const program = ts.createProgram(
  checked.map((_, i) => fileOf(i)),
  {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
  },
);
const diagnostics = ts.getPreEmitDiagnostics(program);

/** The block's compiler errors, as `line: message` relative to the document. */
function errorsOf(i: number): string[] {
  const [file, start] = checked[i]!.where.split(':') as [string, string];
  return diagnostics
    .filter((d) => d.file?.fileName === fileOf(i))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${file}:${Number(start) + line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

describe('code in README.md and docs/', () => {
  it('has TypeScript blocks to check', () => {
    expect(checked.length).toBeGreaterThanOrEqual(10);
  });

  it.each(checked.map((b, i) => [b.where, i] as const))('%s type-checks against the package', (_where, i) => {
    expect(errorsOf(i)).toEqual([]);
  });

  it('lists the blocks marked as fragments (not type-checked)', () => {
    const fragments = blocks.filter((b) => b.fragment).map((b) => b.where);
    console.log(`Fragments, not type-checked (${fragments.length}): ${fragments.join(', ') || 'none'}`);
    expect(fragments.length).toBeLessThan(blocks.length / 2);
  });
});
