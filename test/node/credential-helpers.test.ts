import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialProviderError, OciAuthError } from '../../src/errors.ts';
import {
  CredentialConfigError,
  CredentialHelperError,
  dockerCredentials,
  podmanCredentials,
} from '../../src/node/index.ts';
import { b64, ctx, expectNoSecret, sandbox, shq } from './fixtures.ts';
import type { Sandbox } from './fixtures.ts';

const SECRET = 'TOPSECRET-s3cr3t-value';

let sb: Sandbox;
let configFile: string;

beforeEach(async () => {
  sb = await sandbox();
  configFile = join(sb.home, '.docker', 'config.json');
});
afterEach(async () => {
  await sb.cleanup();
});

function errorOf(promise: unknown): Promise<unknown> {
  return Promise.resolve(promise).then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
}

describe('credential helpers: lookup order', () => {
  it('runs credHelpers[registry] with the host on stdin, before auths', async () => {
    await sb.tableHelper('quay', { 'quay.io': { ServerURL: 'quay.io', Username: 'robot', Secret: 'pw' } });
    await sb.writeJson(configFile, {
      auths: { 'quay.io': { auth: b64('file:1') } },
      credHelpers: { 'quay.io': 'quay' },
    });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'robot', password: 'pw' });
    expect(await sb.calls('quay')).toEqual(['quay.io']);
  });

  it('uses credsStore as the default helper, and asks for Docker Hub as https://index.docker.io/v1/', async () => {
    await sb.tableHelper('store', {
      'https://index.docker.io/v1/': { ServerURL: 'https://index.docker.io/v1/', Username: 'hubuser', Secret: 'hubpw' },
      'ghcr.io': { ServerURL: 'ghcr.io', Username: 'gh', Secret: 'ghpw' },
    });
    await sb.writeJson(configFile, { credsStore: 'store' });
    const provider = dockerCredentials({ env: sb.env });
    expect(await provider(ctx('registry-1.docker.io'))).toEqual({ username: 'hubuser', password: 'hubpw' });
    expect(await provider(ctx('ghcr.io'))).toEqual({ username: 'gh', password: 'ghpw' });
    expect(await sb.calls('store')).toEqual(['https://index.docker.io/v1/', 'ghcr.io']);
  });

  it('writes exactly the server address to stdin and passes "get"', async () => {
    const stdinFile = sb.path('stdin.bin');
    const argsFile = sb.path('args.txt');
    await sb.helper(
      'exact',
      `#!/bin/sh\nprintf '%s' "$*" > ${shq(argsFile)}\ncat > ${shq(stdinFile)}\nprintf '{"ServerURL":"x","Username":"u","Secret":"p"}'\n`,
    );
    await sb.writeJson(configFile, { credsStore: 'exact' });
    expect(await dockerCredentials({ env: sb.env })(ctx('index.docker.io'))).toEqual({ username: 'u', password: 'p' });
    expect(await readFile(stdinFile, 'utf8')).toBe('https://index.docker.io/v1/');
    expect(await readFile(argsFile, 'utf8')).toBe('get');
  });

  it('prefers credHelpers over credsStore', async () => {
    await sb.tableHelper('store', { 'quay.io': { Username: 'store', Secret: '1' } });
    await sb.tableHelper('quay', { 'quay.io': { Username: 'helper', Secret: '2' } });
    await sb.writeJson(configFile, { credsStore: 'store', credHelpers: { 'quay.io': 'quay' } });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'helper', password: '2' });
    expect(await sb.calls('store')).toEqual([]);
  });

  it('ignores auths entries when a credsStore is set, as docker does', async () => {
    await sb.tableHelper('store', {});
    await sb.writeJson(configFile, { credsStore: 'store', auths: { 'quay.io': { auth: b64('file:1') } } });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
    expect(await sb.calls('store')).toEqual(['quay.io']);
  });

  it('uses auths for a registry whose credHelpers value is "" even with a credsStore', async () => {
    await sb.tableHelper('store', {});
    await sb.writeJson(configFile, {
      credsStore: 'store',
      credHelpers: { 'quay.io': '' },
      auths: { 'quay.io': { auth: b64('file:1') } },
    });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'file', password: '1' });
    expect(await sb.calls('store')).toEqual([]);
  });

  for (const key of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/']) {
    it(`credHelpers key ${key} applies to every Docker Hub name (cli/config/configfile/file.go looks up only the v1 URL: a documented difference)`, async () => {
      await sb.tableHelper('hub', { 'https://index.docker.io/v1/': { Username: 'h', Secret: 's' } });
      await sb.writeJson(configFile, { credHelpers: { [key]: 'hub' } });
      const provider = dockerCredentials({ env: sb.env, cacheTtlMs: 0 });
      for (const registry of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
        expect(await provider(ctx(registry))).toEqual({ username: 'h', password: 's' });
      }
      expect(await sb.calls('hub')).toEqual([
        'https://index.docker.io/v1/',
        'https://index.docker.io/v1/',
        'https://index.docker.io/v1/',
      ]);
    });
  }

  it('credHelpers keys with a scheme or a path match their host (cli/config/configfile/file.go getConfiguredCredentialStore compares exactly: a documented difference)', async () => {
    await sb.tableHelper('quay', { 'quay.io': { Username: 'q', Secret: 's' } });
    await sb.writeJson(configFile, { credHelpers: { 'https://quay.io/v1/': 'quay' } });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'q', password: 's' });
  });
});

describe('credential helpers: answers', () => {
  it('turns the <token> user name into a refresh-token credential', async () => {
    await sb.tableHelper('acr', {
      'myacr.azurecr.io': { ServerURL: 'myacr.azurecr.io', Username: '<token>', Secret: 'refresh-1' },
    });
    await sb.writeJson(configFile, { credHelpers: { 'myacr.azurecr.io': 'acr' } });
    expect(await dockerCredentials({ env: sb.env })(ctx('myacr.azurecr.io'))).toEqual({ refreshToken: 'refresh-1' });
  });

  it('answers undefined (anonymous) when the helper says "credentials not found in native keychain" on stdout', async () => {
    await sb.tableHelper('store', {});
    await sb.writeJson(configFile, { credsStore: 'store' });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
    expect(await sb.calls('store')).toEqual(['quay.io']);
  });

  it('answers undefined when the helper says it on stderr, or on stdout with exit 0, where docker reads only stdout of a failed helper (docker-credential-helpers client/client.go, credentials/error.go): a documented difference', async () => {
    await sb.helper(
      'err',
      '#!/bin/sh\ncat >/dev/null\necho "Error: credentials not found in native keychain" >&2\nexit 1\n',
    );
    await sb.helper('zero', '#!/bin/sh\ncat >/dev/null\necho "credentials not found in native keychain"\n');
    await sb.writeJson(configFile, { credHelpers: { 'a.io': 'err', 'b.io': 'zero' } });
    const provider = dockerCredentials({ env: sb.env });
    expect(await provider(ctx('a.io'))).toBeUndefined();
    expect(await provider(ctx('b.io'))).toBeUndefined();
  });

  it('answers undefined for an empty secret', async () => {
    await sb.helper('empty', `#!/bin/sh\ncat >/dev/null\nprintf '{"ServerURL":"quay.io","Username":"","Secret":""}'\n`);
    await sb.writeJson(configFile, { credsStore: 'empty' });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
  });

  it('works with a node helper script', async () => {
    await sb.helper(
      'nodehelper',
      `#!/usr/bin/env node
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => process.stdout.write(JSON.stringify({ ServerURL: input, Username: 'n-' + input, Secret: 'x' })));
`,
    );
    await sb.writeJson(configFile, { credHelpers: { 'localhost:5000': 'nodehelper' } });
    expect(await dockerCredentials({ env: sb.env })(ctx('localhost:5000'))).toEqual({
      username: 'n-localhost:5000',
      password: 'x',
    });
  });
});

describe('credential helpers: output read as Go reads it (docker-credential-helpers client/client.go)', () => {
  it('uses an answer with lower-case keys: encoding/json matches keys case-insensitively', async () => {
    await sb.helper(
      'lower',
      `#!/bin/sh\ncat >/dev/null\nprintf '{"serverurl":"quay.io","username":"low","secret":"${SECRET}"}'\n`,
    );
    await sb.writeJson(configFile, { credsStore: 'lower' });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'low', password: SECRET });
    // podman reads helpers with the same client
    const authFile = await sb.writeJson(sb.path('auth.json'), { credHelpers: { 'quay.io': 'lower' } });
    expect(await podmanCredentials({ env: sb.env, authFile })(ctx('quay.io'))).toEqual({
      username: 'low',
      password: SECRET,
    });
  });

  it('uses the first JSON value and ignores a log line after it: json.NewDecoder(…).Decode stops there', async () => {
    await sb.helper(
      'chatty',
      `#!/bin/sh\ncat >/dev/null\nprintf '{"ServerURL":"quay.io","Username":"u","Secret":"${SECRET}"}\\n'\necho "time=now level=info msg=served from cache"\n`,
    );
    await sb.writeJson(configFile, { credsStore: 'chatty' });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'u', password: SECRET });
  });

  it('still refuses output Go cannot decode, without repeating it', async () => {
    await sb.helper('cut', `#!/bin/sh\ncat >/dev/null\nprintf '{"Username":"u","Secret":"${SECRET}"'\n`);
    await sb.writeJson(configFile, { credsStore: 'cut' });
    const error = await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io')));
    expect((error as CredentialHelperError).reason).toBe('invalid-output');
    expectNoSecret(error, [SECRET]);
  });
});

describe('credential helpers: docker keeps a registrytoken from auths (cli/config/credentials/native_store.go Get)', () => {
  it('sends the registrytoken of the auths entry next to a credsStore or a credHelpers entry, after running the helper', async () => {
    await sb.tableHelper('store', { 'quay.io': { Username: 'helper-user', Secret: 'helper-pw' } });
    await sb.writeJson(configFile, {
      credsStore: 'store',
      credHelpers: { 'ghcr.io': 'store' },
      auths: {
        'quay.io': { registrytoken: 'at-quay' },
        'ghcr.io': { registrytoken: 'at-ghcr', auth: b64('file:pw') },
        'other.io': { auth: b64('ignored:pw') },
      },
    });
    const provider = dockerCredentials({ env: sb.env });
    expect(await provider(ctx('quay.io'))).toEqual({ accessToken: 'at-quay' });
    // the helper has nothing for ghcr.io: the token is still sent
    expect(await provider(ctx('ghcr.io'))).toEqual({ accessToken: 'at-ghcr' });
    // without a token, the helper's answer (here: none) stands and the auths password is not used
    expect(await provider(ctx('other.io'))).toBeUndefined();
    expect(await sb.calls('store')).toEqual(['quay.io', 'ghcr.io', 'other.io']);
  });
});

describe('credential helpers: a failing helper fails the lookup, as docker 29 (cli/command/registry.go RetrieveAuthTokenFromImage)', () => {
  it('does not fall back to the auths entry of the registry', async () => {
    await sb.helper('broken', `#!/bin/sh\ncat >/dev/null\necho ${shq(SECRET)}\nexit 1\n`);
    await sb.writeJson(configFile, {
      credsStore: 'broken',
      auths: { 'quay.io': { auth: b64(`file:${SECRET}-file`) } },
    });
    const error = await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect((error as CredentialHelperError).reason).toBe('exit');
    expectNoSecret(error, [SECRET, b64(`file:${SECRET}-file`)]);
  });
});

describe('credential helpers: failures', () => {
  function expectHelperError(error: unknown, helper: string, registry: string, reason: string): CredentialHelperError {
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(error).toBeInstanceOf(CredentialProviderError);
    expect(error).toBeInstanceOf(OciAuthError);
    const e = error as CredentialHelperError;
    expect(e.name).toBe('CredentialHelperError');
    expect(e.code).toBe('CREDENTIAL_PROVIDER');
    expect(e.helper).toBe(helper);
    expect(e.registry).toBe(registry);
    expect(e.reason).toBe(reason);
    expect(e.message).toContain(helper);
    expect(e.message).toContain(registry);
    expect(e.message).not.toContain(SECRET);
    expect(String(e.cause ?? '')).not.toContain(SECRET);
    expect(JSON.stringify(e)).not.toContain(SECRET);
    expectNoSecret(e, [SECRET]);
    return e;
  }

  it('reports a missing helper', async () => {
    await sb.writeJson(configFile, { credHelpers: { 'quay.io': 'oci-auth-fetch-test-missing' } });
    const e = expectHelperError(
      await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io'))),
      'docker-credential-oci-auth-fetch-test-missing',
      'quay.io',
      'missing',
    );
    expect(e.message).toBe(
      'Credential helper docker-credential-oci-auth-fetch-test-missing for registry quay.io is not installed (not found on PATH); install it or remove it from the config.',
    );
  });

  it('looks the helper up on the PATH of the env given, not of the process', async () => {
    await sb.tableHelper('onlyhere', { 'quay.io': { Username: 'u', Secret: 'p' } });
    await sb.writeJson(configFile, { credsStore: 'onlyhere' });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'u', password: 'p' });
    const withoutBin = { ...sb.env, PATH: '/usr/bin:/bin' };
    expectHelperError(
      await errorOf(dockerCredentials({ env: withoutBin })(ctx('quay.io'))),
      'docker-credential-onlyhere',
      'quay.io',
      'missing',
    );
  });

  it('reports a non-zero exit without repeating the output', async () => {
    await sb.helper('fail', `#!/bin/sh\ncat >/dev/null\necho ${shq(SECRET)}\necho ${shq(SECRET)} >&2\nexit 3\n`);
    await sb.writeJson(configFile, { credsStore: 'fail' });
    const e = expectHelperError(
      await errorOf(dockerCredentials({ env: sb.env })(ctx('registry-1.docker.io'))),
      'docker-credential-fail',
      'registry-1.docker.io',
      'exit',
    );
    expect(e.exitCode).toBe(3);
    expect(e.serverAddress).toBe('https://index.docker.io/v1/');
    expect(e.message).toBe(
      'Credential helper docker-credential-fail for registry registry-1.docker.io (asked as https://index.docker.io/v1/) exited with status 3 (output withheld).',
    );
  });

  it('reports garbage output', async () => {
    await sb.helper('garbage', `#!/bin/sh\ncat >/dev/null\necho "not json ${SECRET}"\n`);
    await sb.writeJson(configFile, { credsStore: 'garbage' });
    const e = expectHelperError(
      await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io'))),
      'docker-credential-garbage',
      'quay.io',
      'invalid-output',
    );
    expect(e.message).toBe(
      'Credential helper docker-credential-garbage for registry quay.io printed something that is not credential JSON {"Username","Secret"} (output withheld).',
    );
  });

  it('reports JSON of the wrong shape', async () => {
    await sb.helper('shape', `#!/bin/sh\ncat >/dev/null\nprintf '{"Username":"u","Secret":42,"x":"${SECRET}"}'\n`);
    await sb.helper('array', `#!/bin/sh\ncat >/dev/null\nprintf '["${SECRET}"]'\n`);
    await sb.writeJson(configFile, { credHelpers: { 'a.io': 'shape', 'b.io': 'array' } });
    const provider = dockerCredentials({ env: sb.env });
    expectHelperError(await errorOf(provider(ctx('a.io'))), 'docker-credential-shape', 'a.io', 'invalid-output');
    expectHelperError(await errorOf(provider(ctx('b.io'))), 'docker-credential-array', 'b.io', 'invalid-output');
  });

  it('kills a helper that hangs and reports the timeout', async () => {
    const pidFile = sb.path('hang.pid');
    await sb.helper('hang', `#!/bin/sh\necho ${shq(SECRET)}\necho $$ > ${shq(pidFile)}\nexec sleep 30\n`);
    await sb.writeJson(configFile, { credsStore: 'hang' });
    const started = Date.now();
    const e = expectHelperError(
      await errorOf(dockerCredentials({ env: sb.env, helperTimeoutMs: 300 })(ctx('quay.io'))),
      'docker-credential-hang',
      'quay.io',
      'timeout',
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5000);
    expect(e.message).toBe(
      'Credential helper docker-credential-hang for registry quay.io did not answer within 300 ms and was killed.',
    );
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it('stops a helper that writes too much', async () => {
    await sb.helper('flood', `#!/bin/sh\ncat >/dev/null\nwhile :; do echo ${shq(SECRET)}; done\n`);
    await sb.writeJson(configFile, { credsStore: 'flood' });
    const e = expectHelperError(
      await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io'))),
      'docker-credential-flood',
      'quay.io',
      'output-too-large',
    );
    expect(e.message).toBe(
      'Credential helper docker-credential-flood for registry quay.io wrote more than 65536 bytes.',
    );
  });

  it('reports a helper that is not executable', async () => {
    const file = await sb.helper('noexec', '#!/bin/sh\necho x\n');
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);
    await sb.writeJson(configFile, { credsStore: 'noexec' });
    const error = await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialHelperError);
    // EACCES where the file is found but not executable; some systems keep searching and report ENOENT.
    expect(['spawn-failed', 'missing']).toContain((error as CredentialHelperError).reason);
  });

  it('rejects a helper name that is a path', async () => {
    await sb.writeJson(configFile, { credHelpers: { 'quay.io': '../../bin/sh' } });
    const error = await errorOf(dockerCredentials({ env: sb.env })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect((error as Error).message).toBe(
      `The credHelpers "quay.io" value used for quay.io in ${configFile} is not a credential helper name (expected a string like "osxkeychain", naming the program docker-credential-<name>). Fix the file.`,
    );
  });
});

describe('credential helpers: caching', () => {
  const answer = { 'quay.io': { Username: 'u', Secret: 'p' }, 'ghcr.io': { Username: 'g', Secret: 'q' } };

  it('runs the helper once per registry within the TTL', async () => {
    await sb.tableHelper('store', answer);
    await sb.writeJson(configFile, { credsStore: 'store' });
    const provider = dockerCredentials({ env: sb.env });
    const first = await provider(ctx('quay.io'));
    expect(first).toEqual({ username: 'u', password: 'p' });
    expect(await provider(ctx('quay.io'))).toBe(first);
    expect(await provider(ctx('ghcr.io'))).toEqual({ username: 'g', password: 'q' });
    expect(await provider(ctx('ghcr.io'))).toEqual({ username: 'g', password: 'q' });
    expect(await sb.calls('store')).toEqual(['quay.io', 'ghcr.io']);
  });

  it('caches "not found" too', async () => {
    await sb.tableHelper('store', answer);
    await sb.writeJson(configFile, { credsStore: 'store' });
    const provider = dockerCredentials({ env: sb.env });
    expect(await provider(ctx('other.io'))).toBeUndefined();
    expect(await provider(ctx('other.io'))).toBeUndefined();
    expect(await sb.calls('store')).toEqual(['other.io']);
  });

  it('shares one run between concurrent calls', async () => {
    await sb.tableHelper('store', answer);
    await sb.writeJson(configFile, { credsStore: 'store' });
    const provider = dockerCredentials({ env: sb.env });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => provider(ctx('quay.io'))));
    expect(results).toEqual(Array(5).fill({ username: 'u', password: 'p' }));
    expect(await sb.calls('store')).toEqual(['quay.io']);
  });

  it('runs the helper again after the TTL', async () => {
    await sb.tableHelper('store', answer);
    await sb.writeJson(configFile, { credsStore: 'store' });
    // The clock is the test's: however slow the machine, the second call is within the TTL, the third past it.
    let clock = 1_000_000;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => clock);
    try {
      const provider = dockerCredentials({ env: sb.env, cacheTtlMs: 100 });
      await provider(ctx('quay.io'));
      clock += 99;
      await provider(ctx('quay.io'));
      expect(await sb.calls('store')).toEqual(['quay.io']);
      clock += 2;
      await provider(ctx('quay.io'));
      expect(await sb.calls('store')).toEqual(['quay.io', 'quay.io']);
    } finally {
      now.mockRestore();
    }
  });

  it('does not cache with cacheTtlMs: 0', async () => {
    await sb.tableHelper('store', answer);
    await sb.writeJson(configFile, { credsStore: 'store' });
    const provider = dockerCredentials({ env: sb.env, cacheTtlMs: 0 });
    await provider(ctx('quay.io'));
    await provider(ctx('quay.io'));
    expect(await sb.calls('store')).toEqual(['quay.io', 'quay.io']);
  });

  it('does not cache errors', async () => {
    const log = sb.path('calls-fail.log');
    await sb.helper('fail', `#!/bin/sh\ncat >/dev/null\necho call >> ${shq(log)}\nexit 2\n`);
    await sb.writeJson(configFile, { credsStore: 'fail' });
    const provider = dockerCredentials({ env: sb.env });
    await expect(provider(ctx('quay.io'))).rejects.toBeInstanceOf(CredentialHelperError);
    await expect(provider(ctx('quay.io'))).rejects.toBeInstanceOf(CredentialHelperError);
    expect((await readFile(log, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('forgets helper answers when the config file changes', async () => {
    await sb.tableHelper('store', answer);
    await sb.writeJson(configFile, { credsStore: 'store' });
    const provider = dockerCredentials({ env: sb.env });
    await provider(ctx('quay.io'));
    await sb.writeJson(configFile, { credsStore: 'store', auths: { 'quay.io': {} } });
    await provider(ctx('quay.io'));
    expect(await sb.calls('store')).toEqual(['quay.io', 'quay.io']);
  });

  it('switches helper when the file names another one', async () => {
    await sb.tableHelper('one', answer);
    await sb.tableHelper('two', { 'quay.io': { Username: 'two', Secret: '2' } });
    await sb.writeJson(configFile, { credsStore: 'one' });
    const provider = dockerCredentials({ env: sb.env });
    expect(await provider(ctx('quay.io'))).toEqual({ username: 'u', password: 'p' });
    await sb.writeJson(configFile, { credsStore: 'two' });
    expect(await provider(ctx('quay.io'))).toEqual({ username: 'two', password: '2' });
  });
});

describe('options', () => {
  it('rejects negative or non-finite times', () => {
    expect(() => dockerCredentials({ helperTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => dockerCredentials({ cacheTtlMs: Number.NaN })).toThrow(RangeError);
  });
});
