// Command lines, read with node:util parseArgs. Anything parseArgs refuses is a usage error (exit 2).

import { parseArgs } from 'node:util';
import { parseScope } from '../../index.ts';
import { UsageError } from './exit.ts';

/** Options of both commands. */
const commonOptions = {
  user: { type: 'string', short: 'u' },
  'password-stdin': { type: 'boolean' },
  'plain-http': { type: 'boolean' },
  scope: { type: 'string', multiple: true },
  verbose: { type: 'boolean', short: 'v' },
  'max-time': { type: 'string', short: 'm' },
  'no-cache': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const requestOptions = {
  ...commonOptions,
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  output: { type: 'string', short: 'o' },
  include: { type: 'boolean', short: 'i' },
  'no-fail': { type: 'boolean' },
  version: { type: 'boolean' },
} as const;

const tokenOptions = {
  ...commonOptions,
  push: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

interface CommonArgs {
  help: boolean;
  verbose: boolean;
  user: string | undefined;
  passwordStdin: boolean;
  plainHttp: boolean;
  /** --scope values, checked to be scopes. */
  scopes: string[];
  /** --max-time in milliseconds. */
  maxTimeMs: number | undefined;
  /** False with --no-cache: no token cache file. */
  cache: boolean;
}

export interface RequestArgs extends CommonArgs {
  command: 'request';
  version: boolean;
  url: string | undefined;
  method: string | undefined;
  headers: Array<[string, string]>;
  data: string | undefined;
  output: string | undefined;
  include: boolean;
  fail: boolean;
}

export interface TokenArgs extends CommonArgs {
  command: 'token';
  target: string | undefined;
  push: boolean;
  json: boolean;
}

type Args = RequestArgs | TokenArgs;

/** parseArgs' own errors become usage errors; its unknown-option message (unbalanced quotes) is rewritten. */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '(.*)'\. To specify/s.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message);
    throw new UsageError(`unknown option ${JSON.stringify(unknown)} (an argument that starts with - goes after --)`);
  }
}

function maxTimeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`bad --max-time ${JSON.stringify(text)}: expected seconds, such as 30 or 0.5`);
  }
  return Math.ceil(seconds * 1000);
}

function methodOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[A-Za-z]+$/.test(text)) throw new UsageError(`bad method ${JSON.stringify(text)}`);
  return text.toUpperCase();
}

function onePositional(positionals: string[], what: string): string | undefined {
  if (positionals.length > 1)
    throw new UsageError(`one ${what} expected, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0];
}

function scopesOf(values: string[] | undefined): string[] {
  return (values ?? []).map((text) => {
    try {
      parseScope(text);
    } catch (error) {
      throw new UsageError(`bad --scope ${JSON.stringify(text)}: ${(error as Error).message}`);
    }
    return text;
  });
}

/** `Name: value`, as curl takes it. */
function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    // The value is not shown: a mistyped `Authorization Bearer …` must not print the token.
    throw new UsageError(
      `bad header${name ? ` ${JSON.stringify(name)}` : ''}: expected 'Name: value' (value not shown)`,
    );
  }
  return [name, text.slice(colon + 1).trim()];
}

/** The flags both commands take (commonOptions). */
function commonArgs(values: {
  help?: boolean;
  verbose?: boolean;
  user?: string;
  'password-stdin'?: boolean;
  'plain-http'?: boolean;
  scope?: string[];
  'max-time'?: string;
  'no-cache'?: boolean;
}): CommonArgs {
  return {
    help: values.help === true,
    verbose: values.verbose === true,
    user: values.user,
    passwordStdin: values['password-stdin'] === true,
    plainHttp: values['plain-http'] === true,
    scopes: scopesOf(values.scope),
    maxTimeMs: maxTimeOf(values['max-time']),
    cache: values['no-cache'] !== true,
  };
}

export function parseCommandLine(argv: string[]): Args {
  if (argv[0] === 'token') {
    const { values, positionals } = usage(() =>
      parseArgs({ args: argv.slice(1), options: tokenOptions, strict: true, allowPositionals: true }),
    );
    return {
      command: 'token',
      ...commonArgs(values),
      target: onePositional(positionals, 'REGISTRY[/REPOSITORY]'),
      push: values.push === true,
      json: values.json === true,
    };
  }
  const { values, positionals } = usage(() =>
    parseArgs({ args: argv, options: requestOptions, strict: true, allowPositionals: true }),
  );
  return {
    command: 'request',
    ...commonArgs(values),
    version: values.version === true,
    url: onePositional(positionals, 'URL'),
    method: methodOf(values.request),
    headers: (values.header ?? []).map(parseHeader),
    data: values.data,
    output: values.output,
    include: values.include === true,
    fail: values['no-fail'] !== true,
  };
}
