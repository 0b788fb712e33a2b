// The shape of src/, measured with the TypeScript compiler: no long functions, and no exports nobody uses.
// Biome lints everything else (`npm run lint`); it has neither rule.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const SRC_FILES = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => `src/${file}`)
  .sort();
/** The CLI's help text is one long template, not logic. */
const NOT_MEASURED = new Set(['src/node/cli/help.ts']);
/** What the package exposes (package.json's exports and bin): their exports are used by definition. */
const ENTRIES = ['src/index.ts', 'src/oci/index.ts', 'src/node/index.ts', 'src/node/cli.ts'];

interface FunctionLength {
  lines: number;
  /** `src/x.ts:12 name` */
  where: string;
  file: string;
  name: string;
}

function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name)
    return parent.name.getText();
  return '<anonymous>';
}

/** Every function-like node with a body (declarations, methods, arrows, expressions): lines from start to end. */
function functionLengths(file: string): FunctionLength[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.end).line;
      const name = nameOf(node);
      out.push({ lines: end - start + 1, where: `${file}:${start + 1} ${name}`, file, name });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const list = (rows: FunctionLength[]) => rows.map((f) => `  ${f.lines} lines: ${f.where}`).join('\n');

describe('function length in src/', () => {
  const lengths = SRC_FILES.filter((file) => !NOT_MEASURED.has(file))
    .flatMap(functionLengths)
    .sort((a, b) => b.lines - a.lines);

  it('the longest function is under 60 lines', () => {
    const longest = lengths[0]!;
    expect(longest.lines, `the longest functions:\n${list(lengths.slice(0, 5))}\n`).toBeLessThan(60);
  });

  it.each([
    ['authFetch', 'src/auth-fetch.ts'],
    ['requestToken', 'src/token-client.ts'],
  ])('%s (%s) reads as a short sequence of steps: under 40 lines', (name, file) => {
    const found = lengths.filter((f) => f.name === name && f.file === file);
    expect(found, `no function named ${name} in ${file}: point this test at its new name`).not.toHaveLength(0);
    expect(Math.max(...found.map((f) => f.lines)), list(found)).toBeLessThan(40);
  });
});

/**
 * Exports of modules in src/ that no other module in src/ imports (or re-exports) and that no entry exposes. Tests
 * do not count as users: a helper only its own file and its tests need is tested through what uses it.
 */
function unusedExports(): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(
    SRC_FILES.map((file) => join(root, file)),
    options,
  );
  const checker = program.getTypeChecker();
  const original = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const exportsOf = (moduleSymbol: ts.Symbol | undefined) =>
    moduleSymbol ? checker.getExportsOfModule(moduleSymbol).map(original) : [];
  const moduleOf = (specifier: ts.Expression) => checker.getSymbolAtLocation(specifier);
  const sourceOf = (file: string) => program.getSourceFile(join(root, file))!;

  const used = new Set<ts.Symbol>();
  const use = (symbol: ts.Symbol | undefined) => symbol && used.add(original(symbol));
  const useAll = (moduleSymbol: ts.Symbol | undefined) => {
    for (const symbol of exportsOf(moduleSymbol)) used.add(symbol);
  };
  for (const file of ENTRIES) useAll(checker.getSymbolAtLocation(sourceOf(file)));
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause) {
      const { name, namedBindings } = node.importClause;
      if (name) use(checker.getSymbolAtLocation(name));
      if (namedBindings && ts.isNamespaceImport(namedBindings)) {
        useAll(moduleOf(node.moduleSpecifier));
      } else if (namedBindings) {
        for (const element of namedBindings.elements) use(checker.getSymbolAtLocation(element.name));
      }
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      if (node.exportClause && ts.isNamedExports(node.exportClause)) {
        for (const element of node.exportClause.elements) use(checker.getExportSpecifierLocalTargetSymbol(element));
      } else {
        useAll(moduleOf(node.moduleSpecifier));
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      useAll(moduleOf(node.arguments[0]));
    }
    ts.forEachChild(node, visit);
  };
  for (const file of SRC_FILES) visit(sourceOf(file));

  return SRC_FILES.filter((file) => !ENTRIES.includes(file)).flatMap((file) =>
    exportsOf(checker.getSymbolAtLocation(sourceOf(file)))
      .filter((symbol) => !used.has(symbol))
      .map((symbol) => `${file}: ${symbol.name}`),
  );
}

/** Exported only for a unit test of their own: each is named here, so that no other helper leaks out unnoticed. */
const FOR_TESTS = [
  'src/node/cli/redact.ts: maskAuthorization', // test/cli/verbose.test.ts
  'src/store.ts: REGISTRY_TTL_MS', // test/store.test.ts
  'src/token-client.ts: tokenRequestFailure', // test/token-client.test.ts
  'src/node/credential-helper.ts: parseHelperOutput', // test/node/auth-entry.test.ts
  'src/node/registry-names.ts: canonicalHost', // test/node/registry-names.test.ts
  'src/token-response.ts: DEFAULT_EXPIRES_IN_SEC', // test/token-response.test.ts
];

describe('exports in src/', () => {
  let unused: string[];
  beforeAll(() => {
    unused = unusedExports();
  });

  it('each is imported by another module or exposed by an entry (else it is not exported)', () => {
    expect(unused.filter((name) => !FOR_TESTS.includes(name))).toEqual([]);
  });

  it('the ones exported for tests are still exported, and used by nothing else', () => {
    expect(FOR_TESTS.filter((name) => !unused.includes(name))).toEqual([]);
  });
});
