// Property tests of the WWW-Authenticate parser: it throws nothing but its typed error (1 MB adversarial inputs
// included), and reads back whatever formatChallenge writes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChallengeParseError, formatChallenge, parseChallenges } from '../../src/index.ts';
import type { Challenge } from '../../src/index.ts';
import { megabyteHeaders } from '../support/adversarial-headers.ts';

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
const T68 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/';

/** Characters that steer the scanner, and a few it must merely carry. */
const significant = fc.constantFrom(
  ...'Bearer Basic realm scope = , " \\ \t \r \n \r\n \r\n\t / : a Z 0 - . _ ~ + ! # ( ) ; < > ? @ [ ] { }'.split(' '),
  ' ',
  '\u0000',
  '\u0001',
  '\u007f',
  '\u0080',
  '\u00e4',
  '\uffff',
  '\ud800',
  '\udc00',
  '😀',
  'https://a/b',
  'error="x"',
);
const headerText = fc.oneof(
  fc.string({ unit: significant, maxLength: 60 }),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Parses and checks the outcome: challenges in the documented shape, or a ChallengeParseError. */
function expectTyped(input: unknown): void {
  let out: Challenge[] | undefined;
  let error: unknown;
  try {
    out = parseChallenges(input as string);
  } catch (e) {
    error = e;
  }
  if (out) {
    // Plain checks (not one expect per element: 150 000 challenges would time the assertions, not the parser).
    const bad = out.find(
      (c) =>
        typeof c.scheme !== 'string' ||
        c.scheme !== c.scheme.toLowerCase() ||
        Object.values(c.params).some((v) => typeof v !== 'string'),
    );
    expect(bad).toBeUndefined();
    return;
  }
  expect(error).toBeInstanceOf(ChallengeParseError);
  const position = (error as ChallengeParseError).position;
  expect(position).toBeGreaterThanOrEqual(0);
  if (typeof input === 'string') expect(position).toBeLessThanOrEqual(input.length);
  expect((error as Error).message).not.toMatch(/undefined|NaN/);
}

describe('parseChallenges never throws anything but ChallengeParseError', () => {
  it('on arbitrary text (20 000 runs)', () => {
    fc.assert(
      fc.property(headerText, (s) => void expectTyped(s)),
      { numRuns: 20_000 },
    );
  });

  it('on near-valid headers built from grammar pieces', () => {
    const piece = fc.constantFrom(
      'Bearer',
      'Basic',
      'realm',
      'scope',
      'x',
      '=',
      '==',
      ',',
      ' ',
      '  ',
      '"v"',
      '"a\\"b"',
      '"',
      '\\',
      'abc==',
      'https://h/t',
      '\r\n ',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => void expectTyped(parts.join(''))),
      { numRuns: 20_000 },
    );
  });

  it('on values that are not strings', () => {
    for (const v of [undefined, null, 42, {}, [], Symbol('x')]) expectTyped(v);
  });
});

describe('parseChallenges settles with a typed outcome on 1 MB adversarial inputs', () => {
  // The outcome only: that the work is linear is counted in test/challenge-linear.test.ts, which load cannot break.
  for (const [name, input] of megabyteHeaders) {
    it(`${name} (${Math.round(input.length / 1024)} KiB)`, () => {
      expectTyped(input);
    });
  }
});

// Arbitrary challenges in the parser's own output shape: lower-case token names, values any quotable text.
const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 12 });
const quotable = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\t', '"', '\\', ' ', ','),
    fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 24,
});
const paramName = fc.oneof(token, fc.constantFrom('realm', 'service', 'scope', 'error', '__proto__', 'constructor'));
const token68 = fc
  .tuple(fc.string({ unit: fc.constantFrom(...T68), minLength: 1, maxLength: 20 }), fc.nat({ max: 3 }))
  .map(([body, pad]) => body + '='.repeat(pad));

function withParams(entries: Array<[string, string]>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of entries)
    Object.defineProperty(params, k, { value: v, enumerable: true, writable: true, configurable: true });
  return params;
}

const challenge: fc.Arbitrary<Challenge> = fc.oneof(
  fc
    .tuple(token, fc.uniqueArray(fc.tuple(paramName, quotable), { selector: ([k]) => k, maxLength: 6 }))
    .map(([scheme, entries]) => ({ scheme, params: withParams(entries) })),
  fc.tuple(token, token68).map(([scheme, t]) => ({ scheme, params: {}, token68: t })),
);

describe('formatChallenge round-trips', () => {
  it('parseChallenges(formatChallenge(c)) is [c]', () => {
    fc.assert(
      fc.property(challenge, (c) => {
        expect(parseChallenges(formatChallenge(c))).toEqual([c]);
      }),
      { numRuns: 5_000 },
    );
  });

  it('a list of formatted challenges joined with ", " parses to the list', () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 5 }), (list) => {
        expect(parseChallenges(list.map(formatChallenge).join(', '))).toEqual(list);
      }),
      { numRuns: 3_000 },
    );
  });

  it('for any object, formatChallenge either throws TypeError or writes something that reads back', () => {
    const loose = fc.record({
      scheme: fc.oneof(token, fc.string({ maxLength: 6 })),
      params: fc.dictionary(fc.oneof(token, fc.string({ maxLength: 4 })), fc.string({ unit: 'binary', maxLength: 8 }), {
        maxKeys: 3,
      }),
      token68: fc.option(fc.oneof(token68, fc.string({ maxLength: 6 })), { nil: undefined }),
    });
    fc.assert(
      fc.property(loose, (raw) => {
        const c: Challenge =
          raw.token68 === undefined
            ? { scheme: raw.scheme, params: raw.params }
            : { scheme: raw.scheme, params: raw.params, token68: raw.token68 };
        let text: string;
        try {
          text = formatChallenge(c);
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          return;
        }
        const lowered: Challenge = {
          ...c,
          scheme: c.scheme.toLowerCase(),
          params: withParams(Object.entries(c.params).map(([k, v]) => [k.toLowerCase(), v])),
        };
        // Names differing only in case collapse into one: the parser refuses the repeat, as documented.
        const names = Object.keys(c.params).map((k) => k.toLowerCase());
        if (new Set(names).size !== names.length) {
          expect(() => parseChallenges(text)).toThrow(ChallengeParseError);
          return;
        }
        if (lowered.token68 === undefined) delete lowered.token68;
        expect(parseChallenges(text)).toEqual([lowered]);
      }),
      { numRuns: 5_000 },
    );
  });
});
