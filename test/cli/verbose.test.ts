// -v: every round trip and SDK event on stderr, with no password, Basic value or token anywhere.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../reference/registry.ts';
import { createAuthFetch } from '../../src/index.ts';
import { maskAuthorization, safeUrl, Secrets } from '../../src/node/cli/redact.ts';
import { PASSWORD, run, startFixture, USER } from './harness.ts';
import type { Fixture } from './harness.ts';

let fx: Fixture;
let base: string;
let host: string;
const BLOB = Buffer.from('a layer, pulled with -v');
const DIGEST = sha256Digest(BLOB);

beforeAll(async () => {
  fx = await startFixture();
  base = fx.registry.url;
  host = fx.registry.host;
  const sdk = createAuthFetch({ credentials: { username: USER, password: PASSWORD } });
  const put = await sdk(`${base}/v2/team/app/blobs/uploads/?digest=${DIGEST}`, { method: 'POST', body: BLOB });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await fx?.close();
});

/** The request, status and event lines: what happened, without the header lines. */
// expiresIn counts down from the JWT's whole-second exp: 299 or 300 depending on when in the second it was issued.
const flow = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((line) => /^(> [A-Z]+ |< \d{3}|\* )/.test(line))
    .map((line) => line.replace(/expiresIn=(299|300)$/, 'expiresIn=300'));

function expectNoSecrets(text: string): void {
  const secrets = fx.secrets();
  expect(secrets.length).toBeGreaterThan(2); // the password forms and at least one token
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('-v', () => {
  it('shows each round trip and event of a blob pull, following the redirect, with secrets redacted', async () => {
    fx.registry.clearLog();
    const result = await run(['-v', `${base}/v2/team/app/blobs/${DIGEST}`], { env: fx.env });
    expect(result.code).toBe(0);
    expect(result.stdoutBytes).toEqual(BLOB);
    const storage = fx.registry.storageUrl!;
    const scopes = 'scopes=[repository:team/app:pull]';
    expect(flow(result.stderr)).toEqual([
      `> GET ${base}/v2/team/app/blobs/${DIGEST}`,
      '< 401 Unauthorized',
      `* challenge registry=${host} scheme=bearer realm=${base}/token service=reference-registry ${scopes}`,
      `> GET ${base}/token?service=reference-registry&scope=repository%3Ateam%2Fapp%3Apull`,
      '< 200 OK',
      `* token source=fetched registry=${host} realm=${base}/token service=reference-registry ${scopes} grant=basic expiresIn=300`,
      `* retry registry=${host} method=GET url=${base}/v2/team/app/blobs/${DIGEST} reason=challenge`,
      `> GET ${base}/v2/team/app/blobs/${DIGEST}`,
      '< 307 Temporary Redirect',
      `> GET ${storage}/blobs/${DIGEST}?sig=[redacted]`,
      '< 200 OK',
    ]);
    const lines = result.stderr.split('\n');
    expect(lines).toContain('> authorization: Basic [redacted]');
    expect(lines).toContain('> authorization: Bearer [redacted]');
    expect(lines).toContain(
      `< www-authenticate: Bearer realm="${base}/token",service="reference-registry",scope="repository:team/app:pull"`,
    );
    expect(lines).toContain(`< location: ${storage}/blobs/${DIGEST}?sig=[redacted]`);
    expect(lines.filter((line) => line.includes('authorization:'))).toEqual([
      '> authorization: Basic [redacted]',
      '> authorization: Bearer [redacted]',
    ]);
    // The signature really was in the URL the registry sent, and is nowhere in the output.
    const redirect = fx.registry.log.find((e) => e.server === 'storage')!;
    const sig = new URLSearchParams(redirect.query).get('sig')!;
    expect(sig.length).toBeGreaterThan(10);
    expect(result.stderr).not.toContain(sig);
    expectNoSecrets(result.stderr + result.stdout);
  });

  it('shows a push from stdin with -u and --password-stdin, without the password', async () => {
    const blob = Buffer.from('pushed with -v');
    const digest = sha256Digest(blob);
    // --password-stdin and -d - cannot share stdin: the password comes from the environment here.
    const result = await run(
      ['-v', '-u', USER, '-X', 'POST', '-d', '-', `${base}/v2/team/app/blobs/uploads/?digest=${digest}`],
      {
        env: { ...fx.anonymousEnv, OCI_AUTH_PASSWORD: PASSWORD },
        stdin: blob,
      },
    );
    expect(result.code).toBe(0);
    expect(flow(result.stderr)).toEqual([
      `> POST ${base}/v2/team/app/blobs/uploads/?digest=${digest}`,
      '< 401 Unauthorized',
      `* challenge registry=${host} scheme=bearer realm=${base}/token service=reference-registry scopes=[repository:team/app:pull,push]`,
      `> GET ${base}/token?service=reference-registry&scope=repository%3Ateam%2Fapp%3Apull%2Cpush`,
      '< 200 OK',
      `* token source=fetched registry=${host} realm=${base}/token service=reference-registry scopes=[repository:team/app:pull,push] grant=basic expiresIn=300`,
      `* retry registry=${host} method=POST url=${base}/v2/team/app/blobs/uploads/ reason=challenge`,
      `> POST ${base}/v2/team/app/blobs/uploads/?digest=${digest}`,
      '< 201 Created',
    ]);
    expectNoSecrets(result.stderr + result.stdout);
  });

  it('token -v prints the token on stdout only', async () => {
    const result = await run(['token', '-v', `${host}/team/app`], { env: fx.env });
    expect(result.code).toBe(0);
    const token = result.stdout.trimEnd();
    expect(fx.secrets()).toContain(token);
    expect(flow(result.stderr)).toEqual([
      `> GET ${base}/v2/`,
      '< 401 Unauthorized',
      `* challenge registry=${host} scheme=bearer realm=${base}/token service=reference-registry scopes=[]`,
      `> GET ${base}/token?service=reference-registry&scope=repository%3Ateam%2Fapp%3Apull`,
      '< 200 OK',
      `* token source=fetched registry=${host} realm=${base}/token service=reference-registry scopes=[repository:team/app:pull] grant=basic expiresIn=300`,
      `* retry registry=${host} method=GET url=${base}/v2/ reason=challenge`,
      `> GET ${base}/v2/`,
      '< 200 OK',
    ]);
    expectNoSecrets(result.stderr);
  });

  it('a failed login under -v shows the error event, not the password', async () => {
    const result = await run(['-v', '-u', `${USER}:wrong-password-123`, `${base}/v2/team/app/blobs/${DIGEST}`], {
      env: fx.env,
    });
    expect(result.code).toBe(3);
    expect(flow(result.stderr).at(-1)).toBe(
      `* error registry=${host} error="TokenRequestError TOKEN_DENIED: The token endpoint ${base}/token refused the credentials of user \\"alice\\" ` +
        '(HTTP 401 UNAUTHORIZED: authentication required). Check the username and password or token, and that the account may access the requested scopes."',
    );
    expect(result.stderr).not.toContain('wrong-password-123');
    expect(result.stderr).not.toContain(Buffer.from(`${USER}:wrong-password-123`).toString('base64'));
  });
});

describe('redaction rules', () => {
  it('keeps registry query parameters and masks any other', () => {
    expect(safeUrl(new URL('https://r.example/v2/a/blobs/uploads/?digest=sha256:abc&_state=xyz'))).toBe(
      'https://r.example/v2/a/blobs/uploads/?digest=sha256:abc&_state=[redacted]',
    );
    expect(safeUrl(new URL('https://s3.example/b?X-Amz-Signature=1&X-Amz-Credential=2&bare'))).toBe(
      'https://s3.example/b?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&[redacted]',
    );
    expect(safeUrl(new URL('https://a.example/token?service=s&scope=repository%3Ax%3Apull&n=1#frag'))).toBe(
      'https://a.example/token?service=s&scope=repository%3Ax%3Apull&n=1',
    );
  });

  it('masks Authorization values but keeps their scheme, and replaces every known secret', () => {
    expect(maskAuthorization('Bearer abc.def')).toBe('Bearer [redacted]');
    expect(maskAuthorization('Basic YWxpY2U6cHc=')).toBe('Basic [redacted]');
    const secrets = new Secrets();
    secrets.addAuthorization(`Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`);
    expect(secrets.redact('user alice:s3cret-pw, password s3cret-pw')).toBe('user [redacted], password [redacted]');
  });
});
