// Adversarial WWW-Authenticate values for the parser's linear-time promise (docs/challenges.md): each builder
// makes a header of about `size` characters, and `check` asserts its exact outcome. Shared by
// test/challenge.test.ts (outcomes at megabytes) and test/challenge-linear.test.ts (regex work counted); and
// `megabyteHeaders`, fixed 1 MB inputs, by test/hardening/challenge.property.test.ts (typed outcomes) and
// test/challenge-linear.test.ts (regex work bounded by the input's length).

import { expect } from 'vitest';
import { parseChallenges } from '../../src/challenge.ts';
import { ChallengeParseError } from '../../src/errors.ts';
import type { Challenge } from '../../src/types.ts';

export type Outcome = Challenge[] | ChallengeParseError;

/** Parses once; the outcome is the challenges or the ChallengeParseError. */
export function outcomeOf(header: string): Outcome {
  try {
    return parseChallenges(header);
  } catch (e) {
    if (e instanceof ChallengeParseError) return e;
    throw e;
  }
}

const fill = (unit: string, bytes: number): string => unit.repeat(Math.ceil(bytes / unit.length));

// Each builder makes a header of about `size` characters; check asserts the exact outcome.
export const adversarialHeaders: [string, (size: number) => string, (out: Outcome, h: string) => void][] = [
  [
    'escaped quotes, unterminated',
    (n) => `Bearer a="${fill('\\"', n)}`,
    (out, h) => {
      expect(out).toBeInstanceOf(ChallengeParseError);
      expect((out as ChallengeParseError).position).toBe(h.length);
    },
  ],
  [
    'escaped quotes, terminated',
    (n) => `Bearer a="${fill('\\"', n)}"`,
    (out, h) => {
      expect(out).toStrictEqual([{ scheme: 'bearer', params: { a: '"'.repeat((h.length - 11) / 2) } }]);
    },
  ],
  [
    "'a=b,' repeated (duplicate param)",
    (n) => fill('a=b,', n),
    (out) => {
      expect(out).toBeInstanceOf(ChallengeParseError);
      expect((out as ChallengeParseError).position).toBe(4);
    },
  ],
  [
    "'scope=x,' repeated (collected)",
    (n) => `Bearer ${fill('scope=x,', n)}`,
    (out, h) => {
      const count = (h.length - 7) / 8;
      expect(out).toStrictEqual([{ scheme: 'bearer', params: { scope: Array(count).fill('x').join(' ') } }]);
    },
  ],
  ["', ' repeated", (n) => fill(', ', n), (out) => expect(out).toStrictEqual([])],
  [
    'unterminated quote after many empty elements',
    (n) => `Basic realm="${fill('a,', n)}`,
    (out, h) => expect((out as ChallengeParseError).position).toBe(h.length),
  ],
  [
    "'A, ' repeated (many schemes)",
    (n) => fill('A, ', n),
    (out, h) => {
      expect(Array.isArray(out)).toBe(true);
      expect((out as Challenge[]).length).toBe(h.length / 3);
    },
  ],
  [
    'long whitespace before "=" (lookahead)',
    (n) => `Bearer realm${' '.repeat(n)}="x"`,
    (out) => expect(out).toStrictEqual([{ scheme: 'bearer', params: { realm: 'x' } }]),
  ],
  [
    'long token68 with padding',
    (n) => `Negotiate ${'A'.repeat(n / 2)}${'='.repeat(n / 2)}`,
    (out, h) => expect(out).toStrictEqual([{ scheme: 'negotiate', params: {}, token68: h.slice(10) }]),
  ],
  [
    'long token68 run then "=x" (not a token68)',
    (n) => `Negotiate ${'A'.repeat(n)}=x`,
    (out, h) => {
      expect(out).toStrictEqual([{ scheme: 'negotiate', params: { ['a'.repeat(h.length - 12)]: 'x' } }]);
    },
  ],
  [
    'long URL-ish unquoted value ending in a bad character',
    (n) => `Bearer realm=${fill('a/', n)}\\`,
    (out, h) => expect((out as ChallengeParseError).position).toBe(h.length - 1),
  ],
  [
    'many obs-folds',
    (n) => `Basic${fill('\r\n ', n)}realm="x"`,
    (out) => expect(out).toStrictEqual([{ scheme: 'basic', params: { realm: 'x' } }]),
  ],
  [
    'obs-folds inside a quoted string',
    (n) => `Basic realm="${fill('a\r\n ', n)}"`,
    (out, h) => expect(out).toStrictEqual([{ scheme: 'basic', params: { realm: 'a '.repeat((h.length - 14) / 4) } }]),
  ],
];

/** Builds a 1 MB input from a prefix and a repeated unit. */
const MB = 1024 * 1024;
const big = (prefix: string, unit: string, suffix = '') =>
  prefix + unit.repeat(Math.ceil((MB - prefix.length) / unit.length)) + suffix;

/** 1 MB inputs that trouble a backtracking scanner: a name and the header. */
export const megabyteHeaders: Array<[string, string]> = [
  ['commas', big('', ',')],
  ['spaces', big('', ' ')],
  ['one huge scheme', big('', 'a')],
  ['a huge token68', big('Bearer ', 'a')],
  ['token68 that fails at the very end', big('Bearer ', 'a', ' x')],
  ['a long run of "=" after a token68', big('Bearer abc', '=', 'x')],
  ['a=a=a=…', big('Bearer ', 'a=')],
  ['unterminated quoted-string of escaped quotes', big('Bearer realm="', '\\"')],
  ['escapes that need unescaping', big('Bearer realm="', '\\a', '"')],
  [
    'many distinct params',
    Array.from({ length: 60_000 }, (_, i) => `p${i}="v"`)
      .join(', ')
      .replace(/^/, 'Bearer '),
  ],
  ['many repeated scope params', big('Bearer realm="r"', ', scope="repository:a:pull"')],
  ['many empty challenges', big('', 'Basic, ')],
  ['obs-fold runs', big('Bearer realm="r",', '\r\n ')],
  ['obs-fold inside a quoted-string', big('Bearer realm="', '\r\n\t', '"')],
  ['an unquoted URL realm', big('Bearer realm=https://', '/')],
  ['scheme-less params', big('', 'realm="x",').replace(/,$/, '')],
  ['bare CR at the end of a long value', big('Bearer realm="', 'x', '\r')],
  ['alternating quote and backslash', big('Bearer realm="', '\\"\\\\')],
];
