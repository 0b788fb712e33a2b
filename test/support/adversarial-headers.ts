// Adversarial WWW-Authenticate values for the parser's linear-time promise (docs/challenges.md): each builder
// makes a header of about `size` characters, and `check` asserts its exact outcome. Shared by
// test/challenge.test.ts (outcomes at megabytes) and test/challenge-linear.test.ts (regex work counted).

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
  [
    "', ' repeated",
    (n) => fill(', ', n),
    (out) => expect(out).toStrictEqual([]),
  ],
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

