// Benchmark 2: challenge parsing throughput against the npm parsers `auth-header` and `www-authenticate` on
// registry-style and RFC-style headers, and how often each is wrong (answers worked out by hand in corpus.ts).

import { createRequire } from 'node:module';
import { parseChallenges } from '../src/index.ts';
import { corpus } from './corpus.ts';
import type { CorpusEntry, ExpectedChallenge } from './corpus.ts';
import { median, round, table } from './lib/stats.ts';

const require = createRequire(import.meta.url);
const authHeader = require('auth-header') as {
  parse(h: string): { scheme: string; params: Record<string, string | string[]>; token: string | string[] | null };
};
const wwwAuthenticate = require('www-authenticate') as {
  parsers: { WWW_Authenticate: new (h: string) => { scheme: string; parms: Record<string, string>; err?: string } };
};

type Outcome = ExpectedChallenge[] | 'error';

interface Parser {
  name: string;
  /** What the parser answers, normalised to the expected shape (peers: first challenge only). */
  read(header: string): Outcome;
  /** The bare call, for timing. */
  run(header: string): unknown;
  /** Whether it claims to read several challenges in one value. */
  multi: boolean;
}

function lowerKeys(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(' ') : String(v);
  return out;
}

export const parsers: Parser[] = [
  {
    name: 'oci-auth-fetch',
    multi: true,
    run: (h) => parseChallenges(h),
    read: (h) => {
      try {
        return parseChallenges(h).map((c) => ({
          scheme: c.scheme,
          params: { ...c.params },
          ...(c.token68 !== undefined ? { token68: c.token68 } : {}),
        }));
      } catch {
        return 'error';
      }
    },
  },
  {
    name: 'auth-header',
    multi: false,
    run: (h) => {
      try {
        return authHeader.parse(h);
      } catch (error) {
        return error;
      }
    },
    read: (h) => {
      try {
        const r = authHeader.parse(h);
        const token = Array.isArray(r.token) ? r.token.join(' ') : r.token;
        return [{ scheme: r.scheme.toLowerCase(), params: lowerKeys(r.params), ...(token ? { token68: token } : {}) }];
      } catch {
        return 'error';
      }
    },
  },
  {
    name: 'www-authenticate',
    multi: false,
    run: (h) => {
      try {
        return new wwwAuthenticate.parsers.WWW_Authenticate(h);
      } catch (error) {
        return error;
      }
    },
    read: (h) => {
      try {
        const r = new wwwAuthenticate.parsers.WWW_Authenticate(h);
        if (r.err) return 'error';
        return [{ scheme: r.scheme.toLowerCase(), params: lowerKeys(r.parms) }];
      } catch {
        return 'error';
      }
    },
  },
];

function same(a: ExpectedChallenge | undefined, b: ExpectedChallenge | undefined): boolean {
  if (!a || !b) return false;
  if (a.scheme !== b.scheme || a.token68 !== b.token68) return false;
  const ka = Object.keys(a.params).sort();
  const kb = Object.keys(b.params).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.params[k] === b.params[k]);
}

/** Right or wrong on one entry. Single-challenge parsers are judged on the first challenge only (generous). */
function judge(parser: Parser, entry: CorpusEntry): { ok: boolean; got: Outcome } {
  const got = parser.read(entry.header);
  if (entry.expect === 'error') return { ok: got === 'error', got };
  if (got === 'error') return { ok: false, got };
  if (parser.multi)
    return {
      ok: got.length === entry.expect.length && got.every((c, i) => same(c, entry.expect[i] as ExpectedChallenge)),
      got,
    };
  return { ok: same(got[0], entry.expect[0]), got };
}

export function correctness() {
  return parsers.map((p) => {
    const wrong = corpus.filter((e) => !judge(p, e).ok);
    return {
      parser: p.name,
      entries: corpus.length,
      wrong: wrong.length,
      wrongByKind: {
        registry: wrong.filter((e) => e.kind === 'registry').length,
        rfc: wrong.filter((e) => e.kind === 'rfc').length,
        invalidAccepted: wrong.filter((e) => e.kind === 'invalid').length,
      },
      wrongOn: wrong.map((e) => e.name),
    };
  });
}

export interface ParseBenchOptions {
  rounds: number;
  /** Passes over the valid corpus per parser per round. */
  passes: number;
}

export function runChallengeParse(options: ParseBenchOptions) {
  const headers = corpus.filter((e) => e.kind !== 'invalid').map((e) => e.header);
  const time = (p: Parser): number => {
    let sink = 0;
    const started = performance.now();
    for (let k = 0; k < options.passes; k++) for (const h of headers) sink += p.run(h) ? 1 : 0;
    const ms = performance.now() - started;
    if (sink < 0) throw new Error('unreachable');
    return (options.passes * headers.length) / (ms / 1000);
  };
  for (const p of parsers) time(p); // warm-up (JIT)
  const perSecond = new Map<string, number[]>(parsers.map((p) => [p.name, []]));
  const ratios: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    // Rotate the order every round so no parser always runs first (or right after a GC-heavy one).
    const order = parsers.map((_, i) => parsers[(i + r) % parsers.length]!);
    const got = new Map(order.map((p) => [p.name, time(p)]));
    for (const [name, v] of got) perSecond.get(name)!.push(v);
    const fastestPeer = Math.max(got.get('auth-header')!, got.get('www-authenticate')!);
    ratios.push(got.get('oci-auth-fetch')! / fastestPeer);
  }
  const medians = Object.fromEntries([...perSecond].map(([k, v]) => [k, round(median(v), 0)]));
  return {
    corpusHeaders: headers.length,
    rounds: options.rounds,
    passesPerRound: options.passes,
    headersPerSecondMedian: medians,
    ratioVsFastestPeerMedian: round(median(ratios), 3),
    ratioVsFastestPeerMin: round(Math.min(...ratios), 3),
    ratioVsFastestPeerMax: round(Math.max(...ratios), 3),
    target: { ratioVsFastestPeer: 2 },
    meetsTarget: median(ratios) >= 2,
    correctness: correctness(),
  };
}

export function printChallengeParse(r: ReturnType<typeof runChallengeParse>): string {
  const rows: Array<Array<string | number>> = [
    ['parser', 'headers/s (median)', 'wrong', 'registry', 'rfc', 'invalid accepted'],
  ];
  for (const c of r.correctness) {
    rows.push([
      c.parser,
      r.headersPerSecondMedian[c.parser] ?? 0,
      `${c.wrong}/${c.entries}`,
      c.wrongByKind.registry,
      c.wrongByKind.rfc,
      c.wrongByKind.invalidAccepted,
    ]);
  }
  return `${table(rows)}\nours / fastest peer: ${r.ratioVsFastestPeerMedian} (median of ${r.rounds} rounds; min ${r.ratioVsFastestPeerMin}, max ${r.ratioVsFastestPeerMax}); target ≥ 2: ${r.meetsTarget ? 'met' : 'MISSED'}`;
}
