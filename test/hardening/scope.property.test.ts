// Property tests of scope sets and of the scopes inferred from a request URL.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeScopes, parseScope, scopeKey, scopesCover, scopesForRequest } from '../../src/index.ts';

const word = fc.string({ unit: fc.constantFrom(...'abcxyz019._-'), minLength: 1, maxLength: 6 });
const name = fc.oneof(
  fc.array(word, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
  fc.tuple(fc.constantFrom('localhost:5000', 'reg.example:443'), word).map(([host, repo]) => `${host}/${repo}`),
);
const type = fc.constantFrom('repository', 'registry', 'repository(plugin)', 'x');
const action = fc.constantFrom('pull', 'push', 'delete', '*', 'metadata-read', '');
const scope = fc.tuple(type, name, fc.array(action, { maxLength: 4 })).map(([t, n, a]) => `${t}:${n}:${a.join(',')}`);
/** Inputs as callers give them: scopes, junk, several per string, arrays, undefined. */
const junk = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('repository:a', ':::', 'a::pull', '(x):a:pull', 'x(:a:b'),
);
const text = fc.oneof(
  { weight: 4, arbitrary: scope },
  { weight: 1, arbitrary: junk },
  { weight: 1, arbitrary: fc.array(fc.oneof(scope, junk), { maxLength: 3 }).map((a) => a.join(' ')) },
);
const input = fc.oneof(text, fc.array(text, { maxLength: 4 }), fc.constant(undefined));

describe('mergeScopes is a canonical set union', () => {
  const runs = { numRuns: 3_000 };

  it('never throws, and is idempotent', () => {
    fc.assert(
      fc.property(input, input, (a, b) => {
        const m = mergeScopes(a, b);
        expect(mergeScopes(m)).toEqual(m);
        expect(mergeScopes(m, m)).toEqual(m);
        expect(mergeScopes(a, a, b)).toEqual(m);
      }),
      runs,
    );
  });

  it('is commutative', () => {
    fc.assert(
      fc.property(input, input, (a, b) => void expect(mergeScopes(a, b)).toEqual(mergeScopes(b, a))),
      runs,
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(input, input, input, (a, b, c) => {
        expect(mergeScopes(mergeScopes(a, b), c)).toEqual(mergeScopes(a, mergeScopes(b, c)));
      }),
      runs,
    );
  });

  it('gives order-independent cache keys, and the union covers each part', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(scope, junk), { maxLength: 6 }),
        fc.array(fc.oneof(scope, junk), { maxLength: 6 }),
        (a, b) => {
          expect(scopeKey([...a, ...b])).toBe(scopeKey([...b].reverse().concat([...a].reverse())));
          const union = mergeScopes(a, b);
          expect(scopesCover(union, a)).toBe(true);
          expect(scopesCover(union, b)).toBe(true);
        },
      ),
      runs,
    );
  });
});

// Path components: route words (which may also be names), ordinary names, and characters that must not be guessed.
const component = fc.oneof(
  fc.constantFrom(
    'v2',
    'manifests',
    'blobs',
    'uploads',
    'tags',
    'list',
    'referrers',
    '_catalog',
    'a',
    'b-c',
    'x.y',
    '%',
    '%2e%2e',
    'é',
    '日本',
  ),
  fc.constantFrom('', ' ', 'a b', 'a/b', '/', '\t', '\u0000', '\u007f', 'a\nb'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
);
const ref = word.filter((w) => w !== '.' && w !== '..');
const route = fc.oneof(
  ref.map((r) => `manifests/${r}`),
  word.map((d) => `blobs/sha256:${d}`),
  fc.constantFrom('blobs/uploads/', 'blobs/uploads', 'blobs/uploads/uuid-1', 'tags/list', 'referrers/sha256:abc'),
);
const methods: Record<string, string | undefined> = {
  GET: 'pull',
  HEAD: 'pull',
  get: 'pull',
  POST: 'pull,push',
  PUT: 'pull,push',
  PATCH: 'pull,push',
  DELETE: 'delete',
  OPTIONS: undefined,
};
const method = fc.constantFrom(...Object.keys(methods));

/** Dot segments are resolved by URL parsing first: what the URL names is then a different path. */
const isDot = (c: string) => c === '.' || c === '..';
// biome-ignore lint/suspicious/noControlCharactersInRegex: a doubtful component holds control characters
const doubtful = (c: string) => c === '' || c.includes('/') || /[\u0000-\u0020\u007f]/.test(c);

describe('scopesForRequest names only the repository the URL names', () => {
  it('exactly the encoded name with the method’s actions, or nothing when a component is doubtful', () => {
    fc.assert(
      fc.property(
        fc.array(component, { minLength: 1, maxLength: 5 }),
        route,
        method,
        fc.constantFrom('', '/proxy', '/v2/x'),
        (parts, tail, m, prefix) => {
          fc.pre(!parts.some(isDot));
          // The first `v2` that starts a route wins (documented): under `/v2/x/v2/…` the name is `x/v2/…`.
          const named = prefix === '/v2/x' ? ['x', 'v2', ...parts] : parts;
          // A doubtful name followed by a later `v2` segment must give nothing too (not the shorter name after it).
          const url = `https://registry.test${prefix}/v2/${parts.map(encodeURIComponent).join('/')}/${tail}`;
          const scopes = scopesForRequest(url, m);
          const actions = methods[m];
          if (named.some(doubtful) || actions === undefined) {
            expect(scopes).toEqual([]);
          } else {
            expect(scopes).toEqual([`repository:${named.join('/')}:${actions}`]);
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });

  // When the name after the first `/v2/` is doubtful, no later `v2` segment inside it may name a shorter repository.
  it('a doubtful name is not rescued by a later v2 segment inside it', () => {
    expect(scopesForRequest('https://registry.test/v2//v2/app/blobs/sha256:a', 'GET')).toEqual([]);
    expect(scopesForRequest('https://registry.test/v2/a%20b/v2/app/manifests/latest', 'GET')).toEqual([]);
    expect(scopesForRequest('https://registry.test/v2/a%2Fb/v2/app/manifests/latest', 'GET')).toEqual([]);
  });

  it('a mount adds exactly its source repository, or nothing when the source is doubtful', () => {
    // How many generated cases each half of the promise was checked on (neither may be left untested).
    const checked = { doubtful: 0, source: 0 };
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.array(component, { minLength: 1, maxLength: 3 }),
        (target, source) => {
          fc.pre(!target.some(isDot));
          const from = source.join('/');
          const url = new URL(`https://registry.test/v2/${target.join('/')}/blobs/uploads/`);
          url.searchParams.set('mount', 'sha256:abc');
          url.searchParams.set('from', from);
          const scopes = scopesForRequest(url, 'POST');
          const own = `repository:${target.join('/')}:pull,push`;
          // `from` is one query value: its own `/`-separated parts make the name (a component holding `/` is just
          // more parts). Doubtful when a part is empty or holds whitespace or a control character. Dot parts are
          // not resolved in a query value: the name is asked for exactly as written.
          if (from.split('/').some(doubtful)) {
            checked.doubtful++;
            expect(scopes).toEqual([own]);
          } else if (from === target.join('/')) {
            expect(scopes).toEqual([own]);
          } else {
            checked.source++;
            expect(scopes).toEqual([own, `repository:${from}:pull`].sort());
            expect(parseScope(scopes.find((s) => s !== own)!).name).toBe(from);
          }
        },
      ),
      { numRuns: 3_000 },
    );
    expect(checked.doubtful).toBeGreaterThanOrEqual(300);
    expect(checked.source).toBeGreaterThanOrEqual(300);
  });

  it('dot segments are resolved before routing (the URL then names the resolved path)', () => {
    expect(scopesForRequest('https://r/v2/a/../b/manifests/x', 'GET')).toEqual(['repository:b:pull']);
    expect(scopesForRequest('https://r/v2/a/%2e%2e/b/manifests/x', 'GET')).toEqual(['repository:b:pull']);
  });
});
