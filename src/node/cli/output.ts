// Where a response goes: the status line and headers with -i, then the body, to stdout or -o FILE.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CliError, EXIT } from './exit.ts';
import { write } from './io.ts';
import { discard } from '../../http.ts';

/** `HTTP/1.1 201 Created` and the headers, CRLF-separated, as curl -i writes them. */
function headBlock(response: Response): string {
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText}`.trimEnd()];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

interface WriteOptions {
  /** -i: the status line and headers first. */
  include: boolean;
  /** false for HEAD. */
  body: boolean;
}

async function writeTo(target: Writable, response: Response, options: WriteOptions, end: boolean): Promise<void> {
  if (options.include) await write(target, headBlock(response));
  if (options.body && response.body) {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), target, { end });
    return;
  }
  await discard(response);
  if (end)
    await new Promise<void>((resolve, reject) =>
      target.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
}

/** Stream the response to `file` (`-` or undefined: stdout). A failure, reading or writing, is exit 4. */
export async function writeResponse(
  response: Response,
  stdout: Writable,
  file: string | undefined,
  options: WriteOptions,
): Promise<void> {
  const toStdout = file === undefined || file === '-';
  try {
    if (toStdout) await writeTo(stdout, response, options, false);
    else {
      const out = createWriteStream(file);
      await once(out, 'open'); // a file that cannot be opened rejects here, as exit 4
      await writeTo(out, response, options, true);
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(EXIT.OTHER, `the body could not be written to ${toStdout ? 'stdout' : file}: ${reason}`);
  }
}

/** What a registry said in an error body: `MANIFEST_UNKNOWN: manifest unknown`, or a short text. */
export async function errorSummary(response: Response): Promise<string> {
  let text: string;
  try {
    text = await readLimited(response, 64 * 1024);
  } catch {
    return '';
  }
  try {
    const json = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(json.errors)) {
      return json.errors
        .map((e: { code?: unknown; message?: unknown }) =>
          [e.code, e.message].filter((p) => typeof p === 'string' && p !== '').join(': '),
        )
        .filter((s) => s !== '')
        .join('; ')
        .slice(0, 500);
    }
  } catch {
    // not JSON
  }
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  return line.startsWith('<') ? '' : line.slice(0, 200);
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= maxBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
