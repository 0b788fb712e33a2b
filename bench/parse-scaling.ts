// The wall-clock side of the parser's linear-time promise (the test suite counts regex work instead, which load
// cannot disturb): best-of-five parse time of adversarial headers at 0.5 and 2 MiB. Linear means a ratio near 4;
// a quadratic parser shows 16. Run: node --experimental-strip-types bench/parse-scaling.ts

import { parseChallenges } from '../src/index.ts';

const MB = 1 << 20;
const fill = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));
const shapes: Array<[string, (n: number) => string]> = [
  ['escaped quotes, unterminated', (n) => `Bearer a="${fill('\\"', n)}`],
  ['escaped quotes, terminated', (n) => `Bearer a="${fill('\\"', n)}"`],
  ["'scope=x,' repeated", (n) => `Bearer ${fill('scope=x,', n)}`],
  ["', ' repeated", (n) => fill(', ', n)],
  ["'A, ' repeated", (n) => fill('A, ', n)],
  ['long whitespace before "="', (n) => `Bearer realm${' '.repeat(n)}="x"`],
  ['long token68 run then "=x"', (n) => `Negotiate ${'A'.repeat(n)}=x`],
  ['many obs-folds', (n) => `Basic${fill('\r\n ', n)}realm="x"`],
  ['obs-folds inside a quoted string', (n) => `Basic realm="${fill('a\r\n ', n)}"`],
];

function bestMs(header: string): number {
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    try {
      parseChallenges(header);
    } catch {
      // errors are outcomes too
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

console.log('shape | 0.5 MiB ms | 2 MiB ms | ratio (linear ≈ 4, quadratic ≈ 16)');
for (const [name, build] of shapes) {
  const quarter = bestMs(build(MB / 2));
  const full = bestMs(build(2 * MB));
  console.log(`${name} | ${quarter.toFixed(2)} | ${full.toFixed(2)} | ${(full / quarter).toFixed(1)}`);
}
