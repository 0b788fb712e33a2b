// Temp HOME / config folders and real fake credential helpers for the Node provider tests.

import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CredentialContext } from '../../src/types.ts';

export interface Sandbox {
  root: string;
  home: string;
  bin: string;
  /** HOME set, PATH = the fake helpers first, then the system's (for /bin/sh, sleep, node). */
  env: NodeJS.ProcessEnv;
  path(...parts: string[]): string;
  writeJson(file: string, data: unknown): Promise<string>;
  writeText(file: string, text: string): Promise<string>;
  /** Write `docker-credential-<name>` into the bin folder, mode 755. */
  helper(name: string, script: string): Promise<string>;
  /** A helper answering from a table of server address → stdout JSON, logging each call's stdin. */
  tableHelper(name: string, table: Record<string, unknown>): Promise<void>;
  /** Server addresses the table helper `name` was asked for, one per call. */
  calls(name: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function ctx(registry: string, scopes: string[] = []): CredentialContext {
  return { registry, scopes };
}

export async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'oci-auth-node-'));
  const home = join(root, 'home');
  const bin = join(root, 'bin');
  await mkdir(home, { recursive: true });
  await mkdir(bin, { recursive: true });
  const path = (...parts: string[]): string => join(root, ...parts);
  const writeText = async (file: string, text: string): Promise<string> => {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  };
  const helper = async (name: string, script: string): Promise<string> => {
    const file = join(bin, `docker-credential-${name}`);
    await writeFile(file, script);
    await chmod(file, 0o755);
    return file;
  };
  return {
    root,
    home,
    bin,
    env: { HOME: home, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    path,
    writeText,
    writeJson: (file, data) => writeText(file, JSON.stringify(data, null, 2)),
    helper,
    async tableHelper(name, table) {
      const log = path(`calls-${name}.log`);
      const cases = Object.entries(table)
        .map(([address, answer]) => `${shq(address)}) printf '%s' ${shq(JSON.stringify(answer))} ;;`)
        .join('\n  ');
      await helper(
        name,
        `#!/bin/sh
[ "$1" = get ] || { echo "unexpected arguments" >&2; exit 64; }
input="$(cat)"
printf '%s\\n' "$input" >> ${shq(log)}
case "$input" in
  ${cases}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
      );
    },
    async calls(name) {
      try {
        const text = await readFile(path(`calls-${name}.log`), 'utf8');
        return text.split('\n').filter((line) => line !== '');
      } catch {
        return [];
      }
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Every text an error carries: message, stack and own properties, down its cause chain. */
export function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      texts.push(e.message, e.stack ?? '');
      for (const [key, value] of Object.entries(e)) if (key !== 'cause') texts.push(`${key}=${String(value)}`);
      e = e.cause;
    } else {
      texts.push(String(e));
      break;
    }
  }
  return texts;
}

/** The error's message, stack and cause chain hold none of `secrets`. */
export function expectNoSecret(error: unknown, secrets: readonly string[]): void {
  if (!(error instanceof Error)) throw new Error(`expected an Error, got ${String(error)}`);
  for (const text of errorTexts(error)) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`a secret appears in the error (${error.name}): not shown here`);
    }
  }
}

/** The rejection of `promise`; fails when it resolves. */
export function rejectionOf(promise: unknown): Promise<unknown> {
  return Promise.resolve(promise).then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
}
