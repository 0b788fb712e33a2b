// -d: the request body. Files are sent from disk as a Blob (known length, can be sent twice, not held in
// memory); stdin and literal text are read into memory.

import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from './exit.ts';

/** Whether -d reads stdin (`-` or `@-`). */
export function dataFromStdin(data: string | undefined): boolean {
  return data === '-' || data === '@-';
}

/** The body for `-d DATA`: `@FILE`, `-`/`@-` (stdin), or the text itself, sent as bytes without changes. */
export async function requestBody(
  data: string,
  readStdin: () => Promise<Buffer>,
): Promise<Blob | Uint8Array<ArrayBuffer>> {
  if (dataFromStdin(data)) return new Uint8Array(await readStdin());
  if (!data.startsWith('@')) return new TextEncoder().encode(data);
  const file = data.slice(1);
  if (file === '') throw new UsageError('-d @ needs a file name: -d @FILE');
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!isFile) throw new UsageError(`cannot read ${file}: not a file`);
  return openAsBlob(file);
}
