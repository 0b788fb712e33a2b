// Reading a JSON credentials file, re-read only when it changes (one `stat` per call).

import { readFile, stat } from 'node:fs/promises';
import { CredentialConfigError } from './errors.ts';

interface JsonFileReader<T> {
  /**
   * The parsed file, or undefined when it does not exist. The same object is returned for as long
   * as the file's identity, size and times stay the same; concurrent calls share one read.
   * Throws {@link CredentialConfigError} when the file exists but cannot be read or parsed.
   * `registry` only goes into error messages.
   */
  read(file: string, registry: string): Promise<T | undefined>;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function configError(file: string, registry: string, what: string, cause?: unknown): CredentialConfigError {
  return new CredentialConfigError(
    `Cannot use the credentials file ${file} (looking up ${registry}): ${what}. ` +
      'Fix or remove the file; its content is not shown because it may hold secrets.',
    { file, registry, cause },
  );
}

interface JsonFileOptions {
  /**
   * What a file holding nothing but white space is: `{}` for docker (its decoder stops at the end of
   * input without complaint), an error for podman (containers/image `json.Unmarshal`: "unexpected end
   * of JSON input").
   */
  emptyFile: 'empty-object' | 'error';
}

/** A config file's text as JSON (a leading BOM dropped), or the error that says what is wrong with it. */
function jsonOf(text: string, file: string, registry: string, options: JsonFileOptions): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    if (options.emptyFile === 'error') throw configError(file, registry, 'it is empty (not even {})');
    return {};
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    // The parser's message quotes the text around the error: keep only the position.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw configError(
      file,
      registry,
      `it is not valid JSON${position === undefined ? '' : ` (error at offset ${position})`}`,
    );
  }
}

/** @param parse turns the parsed JSON into `T`; it may throw a {@link CredentialConfigError}. */
export function createJsonFileReader<T>(
  parse: (data: unknown, file: string, registry: string) => T,
  options: JsonFileOptions,
): JsonFileReader<T> {
  const entries = new Map<string, { stamp: string; value: Promise<T | undefined> }>();

  async function load(file: string, registry: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (MISSING.has(codeOf(error) ?? '')) return undefined;
      throw configError(file, registry, `it cannot be read (${codeOf(error) ?? 'unknown error'})`, error);
    }
    return parse(jsonOf(text, file, registry, options), file, registry);
  }

  return {
    async read(file, registry) {
      let stamp: string;
      try {
        const s = await stat(file);
        if (!s.isFile()) throw configError(file, registry, 'it is not a regular file');
        stamp = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch (error) {
        if (error instanceof CredentialConfigError) throw error;
        if (MISSING.has(codeOf(error) ?? '')) {
          entries.delete(file);
          return undefined;
        }
        throw configError(file, registry, `it cannot be examined (${codeOf(error) ?? 'unknown error'})`, error);
      }

      const known = entries.get(file);
      if (known !== undefined && known.stamp === stamp) return known.value;
      const entry = { stamp, value: load(file, registry) };
      entries.set(file, entry);
      // A failed read is not kept: the next call tries again.
      entry.value.catch(() => {
        if (entries.get(file) === entry) entries.delete(file);
      });
      return entry.value;
    },
  };
}
