// Dispatch: `token …` or a request; every failure becomes one redacted stderr line and an exit code.

import { readFileSync } from 'node:fs';
import { parseCommandLine } from './args.ts';
import { describeFailure, EXIT } from './exit.ts';
import type { ExitCode } from './exit.ts';
import { REQUEST_HELP, TOKEN_HELP } from './help.ts';
import { write } from './io.ts';
import type { Io } from './io.ts';
import { Secrets } from './redact.ts';
import { runRequest } from './request.ts';
import { runToken } from './token.ts';

export async function main(io: Io): Promise<ExitCode> {
  const secrets = new Secrets();
  try {
    const args = parseCommandLine(io.argv);
    if (args.help) {
      await write(io.stdout, args.command === 'token' ? TOKEN_HELP : REQUEST_HELP);
      return EXIT.OK;
    }
    if (args.command === 'request' && args.version) {
      await write(io.stdout, `${version()}\n`);
      return EXIT.OK;
    }
    return args.command === 'token' ? await runToken(args, io, secrets) : await runRequest(args, io, secrets);
  } catch (error) {
    const { exitCode, message } = describeFailure(error);
    const help = io.argv[0] === 'token' ? 'oci-auth-fetch token --help' : 'oci-auth-fetch --help';
    const hint = exitCode === EXIT.USAGE ? `; see ${help}` : '';
    io.stderr.write(`oci-auth-fetch: ${secrets.redact(message)}${hint}\n`);
    return exitCode;
  }
}

/** From the package.json next to dist/ (the bundle is dist/cli.js). */
function version(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
