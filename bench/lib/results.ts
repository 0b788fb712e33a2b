// Results are printed and saved as JSON. A run writes them to bench/output/ (git-ignored); only `--save` writes
// the recorded figures under bench/results/ (committed; docs/performance.md summarises them).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './machine.ts';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The recorded figures, updated on purpose with `--save`. */
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Every other run's results. */
export const OUTPUT_DIR = join(BENCH_DIR, 'output');

/** `--save` on the command line: this run updates the recorded figures. */
export const recording = process.argv.includes('--save');

export function saveResult(name: string, data: unknown, record = recording): string {
  const dir = record ? RESULTS_DIR : OUTPUT_DIR;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const doc = { name, date: new Date().toISOString(), machine: machine(), ...(data as object) };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
