#!/usr/bin/env node
// The oci-auth-fetch command: curl for registries, and `token`. See docs/cli.md.

import { main } from './cli/main.ts';

process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
