// Results are printed and saved as JSON under bench/results/ (committed; docs/performance.md summarises them).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './machine.ts';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function saveResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const doc = { name, date: new Date().toISOString(), machine: machine(), ...(data as object) };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
