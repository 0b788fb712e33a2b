// --help, --version and usage errors (exit 2): no registry needed.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from './harness.ts';

const TARGET = 'REGISTRY[/REPOSITORY[:TAG][@DIGEST]]';
const cliDoc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('--help', () => {
  it('documents the options, credentials, scheme rules and exit codes', async () => {
    const result = await run(['--help'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const help = result.stdout;
    expect(
      help.startsWith(`Usage: oci-auth-fetch [options] URL\n       oci-auth-fetch token [options] ${TARGET}\n`),
    ).toBe(true);
    expect(help).toContain('newline is removed); cannot be combined with -d -');
    expect(help).toContain('  0  success: the response status was below 400 (any status with --no-fail)');
    for (const option of [
      '-X, --request',
      '-H, --header',
      '-d, --data',
      '-o, --output',
      '-i, --include',
      '--scope',
      '--no-fail',
      '-m, --max-time',
      '-v, --verbose',
      '-u, --user',
      '--password-stdin',
      '--plain-http',
      'OCI_AUTH_PASSWORD',
      'NODE_EXTRA_CA_CERTS',
    ]) {
      expect(help).toContain(option);
    }
    expect(help).toContain('Exit codes:\n  0  success');
    for (const code of [
      '  1  the registry answered an HTTP error',
      '  2  usage',
      '  3  authentication failed',
      '  4  anything else',
    ]) {
      expect(help).toContain(code);
    }
    expect((await run(['-h'], { env })).stdout).toBe(help);
  });

  it('token --help documents the token command', async () => {
    const result = await run(['token', '--help'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(`Usage: oci-auth-fetch token [options] ${TARGET}\n`)).toBe(true);
    for (const text of ['--scope SCOPE', '--push', '--json', 'granted', 'Exit codes:', 'issues no tokens']) {
      expect(result.stdout).toContain(text);
    }
  });

  it('token --help speaks of token only: no -d, -o or --no-fail, and its own exit 0', async () => {
    const help = (await run(['token', '--help'], { env })).stdout;
    expect(help).toContain('newline is removed)\n');
    expect(help).toContain('Exit codes:\n  0  success: the token was printed\n');
    expect(help).toContain('  1  GET /v2/ answered an HTTP error');
    for (const text of ['-d -', '-d file', ' -o', '--no-fail', 'response status']) expect(help).not.toContain(text);
  });

  it('gives the token target the same way in --help, token --help and docs/cli.md, as target.ts reads it', async () => {
    expect((await run(['--help'], { env })).stdout).toContain(`oci-auth-fetch token [options] ${TARGET}\n`);
    expect((await run(['token', '--help'], { env })).stdout).toContain(`oci-auth-fetch token [options] ${TARGET}\n`);
    expect(cliDoc).toContain(`oci-auth-fetch token [--scope S]… [--push] [--json] ${TARGET}\n`);
    for (const text of ['REGISTRY[/REPOSITORY]`', 'REGISTRY[/REPOSITORY] ', '[:TAG]]', '[:TAG|@DIGEST]']) {
      expect(cliDoc).not.toContain(text);
      expect((await run(['--help'], { env })).stdout).not.toContain(text);
      expect((await run(['token', '--help'], { env })).stdout).not.toContain(text);
    }
  });

  it('gives the credential order of chainCredentials(podmanCredentials(), dockerCredentials()) alike in --help, token --help and docs/cli.md', async () => {
    const order = [
      '$REGISTRY_AUTH_FILE',
      '$DOCKER_CONFIG/config.json',
      '$XDG_RUNTIME_DIR/containers/auth.json',
      '~/.config/containers/auth.json',
      '~/.docker/config.json',
      'as docker reads them',
      'credHelpers',
      'credsStore',
      'auths',
    ];
    const section = (text: string, from: string, to: string): string =>
      text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)));
    const texts = [
      section((await run(['--help'], { env })).stdout, 'Credentials:', '-u, --user'),
      section((await run(['token', '--help'], { env })).stdout, 'Credentials:', '-u, --user'),
      section(cliDoc, '5. Without `-u`', 'Nothing stored'),
    ];
    for (const text of texts) {
      const positions = order.map((item) => text.indexOf(item));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    }
  });

  it('--version prints the package version', async () => {
    expect(await run(['--version'], { env })).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('usage errors exit 2 with one line on stderr', () => {
  const cases: Array<[string, string[], string]> = [
    ['no URL', [], 'no URL given'],
    [
      'two URLs',
      ['http://127.0.0.1:1/v2/', 'http://127.0.0.1:2/v2/'],
      'one URL expected, got 2: http://127.0.0.1:1/v2/ http://127.0.0.1:2/v2/',
    ],
    ['unknown option', ['--bogus', 'x'], 'unknown option "--bogus" (an argument that starts with - goes after --)'],
    [
      'unknown short option',
      ['-I', 'http://127.0.0.1:1/v2/'],
      'unknown option "-I" (an argument that starts with - goes after --)',
    ],
    [
      'unknown option in a group',
      ['-iI', 'http://127.0.0.1:1/v2/'],
      'unknown option "-I" (an argument that starts with - goes after --)',
    ],
    ['option without value', ['http://127.0.0.1:1/v2/', '-X'], `Option '-X, --request <value>' argument missing`],
    [
      'bad header',
      ['-H', 'no colon', 'http://127.0.0.1:1/v2/'],
      `bad header: expected 'Name: value' (value not shown)`,
    ],
    [
      'bad header, secret not echoed',
      ['-H', 'Authorization Bearer s3cr3t-token', 'http://127.0.0.1:1/v2/'],
      `bad header: expected 'Name: value' (value not shown)`,
    ],
    ['bad method', ['-X', 'GE T', 'http://127.0.0.1:1/v2/'], 'bad method "GE T"'],
    [
      'bad scope',
      ['--scope', 'repository:x', 'http://127.0.0.1:1/v2/'],
      'bad --scope "repository:x": Not a scope: expected type[(class)]:name:actions, with no whitespace, and no ":()," in the type',
    ],
    [
      '-d with GET',
      ['-X', 'GET', '-d', 'x', 'http://127.0.0.1:1/v2/'],
      '-d cannot be used with GET: give -X PUT, POST or PATCH',
    ],
    [
      'missing -d file',
      ['-d', '@/nonexistent/file', 'http://127.0.0.1:1/v2/x/blobs/uploads/'],
      'cannot read /nonexistent/file: ENOENT',
    ],
    ['ftp URL', ['ftp://127.0.0.1/v2/'], 'unsupported scheme ftp: use https:// or http://'],
    [
      'credentials in the URL',
      ['http://alice:pw@127.0.0.1:1/v2/'],
      'credentials in the URL are not supported: use -u USER with --password-stdin',
    ],
    [
      '-u without a password',
      ['-u', 'alice', 'http://127.0.0.1:1/v2/'],
      'no password for user "alice": pipe it to --password-stdin or set OCI_AUTH_PASSWORD (there is no prompt)',
    ],
    ['--password-stdin without -u', ['--password-stdin', 'http://127.0.0.1:1/v2/'], '--password-stdin needs -u USER'],
    [
      'stdin twice',
      ['-u', 'alice', '--password-stdin', '-X', 'PUT', '-d', '-', 'http://127.0.0.1:1/v2/'],
      '-d - and --password-stdin both read stdin: use one, or $OCI_AUTH_PASSWORD for the password',
    ],
    [
      'bad --max-time',
      ['-m', '0', 'http://127.0.0.1:1/v2/'],
      'bad --max-time "0": expected seconds, such as 30 or 0.5',
    ],
    ['empty password', ['-u', 'alice:', 'http://127.0.0.1:1/v2/'], 'the password for user "alice" is empty'],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const result = await run(args, { env });
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `oci-auth-fetch: ${message}; see oci-auth-fetch --help\n`,
    });
  });

  it('an option of requests given to token is unknown there, with balanced quotes', async () => {
    expect(await run(['token', '-X', 'GET', 'registry.example/team/app'], { env })).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'oci-auth-fetch: unknown option "-X" (an argument that starts with - goes after --); see oci-auth-fetch token --help\n',
    });
  });
});
