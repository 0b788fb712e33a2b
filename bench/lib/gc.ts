// A forced GC without `--expose-gc` on the command line (npm scripts are fixed): heap numbers need it.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let cached: (() => void) | undefined;

export function gc(): void {
  if (!cached) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) {
      cached = existing;
    } else {
      setFlagsFromString('--expose-gc');
      cached = runInNewContext('gc') as () => void;
    }
  }
  cached();
}

/**
 * Heap in use once garbage is gone. fetch's Response objects are released by FinalizationRegistry callbacks,
 * which only run on a later turn of the event loop: collect, yield, collect again.
 */
export async function settledHeapBytes(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  return process.memoryUsage().heapUsed;
}
