// The parser's linear-time promise (docs/challenges.md), checked by counting regex work rather than time, so
// that machine load cannot break it (the wall-clock ratio lives in bench/parse-scaling.ts). A file of its own:
// replacing RegExp.prototype.exec sends every later regex of the process down V8's slow path.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adversarialHeaders, megabyteHeaders, outcomeOf } from './support/adversarial-headers.ts';

/**
 * The regex work of one parse: every call that reaches `RegExp.prototype.exec` (test, replace and match do too,
 * once it is replaced) and the characters it can have looked at, from where the search starts to where the match
 * ends, or to the end of the input when it fails.
 */
function workOf(header: string): { calls: number; scanned: number } {
  const exec = RegExp.prototype.exec;
  const work = { calls: 0, scanned: 0 };
  RegExp.prototype.exec = function (this: RegExp, input: string) {
    const from = this.global || this.sticky ? this.lastIndex : 0;
    const match = exec.call(this, input);
    work.calls++;
    work.scanned += (match ? match.index + match[0].length : String(input).length) - from;
    return match;
  };
  try {
    outcomeOf(header);
  } finally {
    RegExp.prototype.exec = exec;
  }
  return work;
}

describe('parseChallenges: linear time, counted', () => {
  const KB64 = 1 << 16;
  for (const [name, build, check] of adversarialHeaders) {
    it(name, () => {
      // Twice the input costs at most twice the regex calls and characters scanned (plus a constant), where a
      // parser that rescans what it has read costs four times as much; and every character is looked at a
      // bounded number of times. 64 and 128 KiB: counts need no size to rise above noise.
      const input = build(KB64);
      const doubled = build(2 * KB64);
      check(outcomeOf(input), input);
      const once = workOf(input);
      const twice = workOf(doubled);
      expect(once.calls).toBeGreaterThan(0);
      expect(twice.calls).toBeLessThanOrEqual(2 * once.calls + 8);
      expect(twice.scanned).toBeLessThanOrEqual(2 * once.scanned + 64);
      expect(twice.scanned).toBeLessThanOrEqual(4 * doubled.length);
    });
  }
});

describe('parseChallenges: bounded work on 1 MB adversarial inputs', () => {
  // Every character is looked at a bounded number of times, where a scanner that backtracks or rescans looks at
  // each of them thousands of times (and takes minutes on 1 MB).
  for (const [name, input] of megabyteHeaders) {
    it(name, () => {
      const work = workOf(input);
      expect(work.scanned).toBeLessThanOrEqual(4 * input.length + 64);
      expect(work.calls).toBeLessThanOrEqual(input.length + 8);
    });
  }

  it('random repeated units, 1 MB each (a typed outcome, and the same bound)', () => {
    const significant = fc.constantFrom(
      ...'Bearer Basic realm scope = , " \\ \t \r \n \r\n / : a Z 0 - . _ ~ +'.split(' '),
    );
    const unit = fc.array(significant, { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
    const prefix = fc.constantFrom('', 'Bearer ', 'Bearer realm="', 'Basic realm=', 'a=');
    fc.assert(
      fc.property(prefix, unit, (p, u) => {
        const input = p + u.repeat(Math.ceil((2 ** 20 - p.length) / u.length));
        const work = workOf(input);
        expect(work.scanned).toBeLessThanOrEqual(4 * input.length + 64);
      }),
      { numRuns: 40 },
    );
  });
});
