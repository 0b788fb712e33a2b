import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialProviderError } from '../../src/errors.ts';
import { CredentialConfigError, dockerCredentials } from '../../src/node/index.ts';
import { b64, ctx, expectNoSecret, rejectionOf, sandbox } from './fixtures.ts';
import type { Sandbox } from './fixtures.ts';

let sb: Sandbox;
let configFile: string;

beforeEach(async () => {
  sb = await sandbox();
  configFile = join(sb.home, '.docker', 'config.json');
});
afterEach(async () => {
  await sb.cleanup();
});

async function lookup(config: unknown, registry: string, env: NodeJS.ProcessEnv = sb.env) {
  await sb.writeJson(configFile, config);
  return dockerCredentials({ env })(ctx(registry));
}

describe('dockerCredentials: auths entries', () => {
  it('decodes auth (base64 user:password)', async () => {
    expect(await lookup({ auths: { 'quay.io': { auth: b64('alice:pa:ss') } } }, 'quay.io')).toEqual({
      username: 'alice',
      password: 'pa:ss',
    });
  });

  it('reads username/password fields', async () => {
    expect(await lookup({ auths: { 'quay.io': { username: 'bob', password: 'hunter2' } } }, 'quay.io')).toEqual({
      username: 'bob',
      password: 'hunter2',
    });
  });

  it('prefers auth over the username/password fields, as docker does', async () => {
    const config = { auths: { 'quay.io': { auth: b64('alice:one'), username: 'bob', password: 'two' } } };
    expect(await lookup(config, 'quay.io')).toEqual({ username: 'alice', password: 'one' });
  });

  it('trims NUL padding from a decoded password', async () => {
    expect(await lookup({ auths: { 'quay.io': { auth: b64('alice:secret\0\0') } } }, 'quay.io')).toEqual({
      username: 'alice',
      password: 'secret',
    });
  });

  it('turns identitytoken into a refresh-token credential with the user name', async () => {
    const config = {
      auths: { 'myacr.azurecr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'rt-123' } },
    };
    expect(await lookup(config, 'myacr.azurecr.io')).toEqual({
      refreshToken: 'rt-123',
      username: '00000000-0000-0000-0000-000000000000',
    });
  });

  it('turns a bare identitytoken into a refresh-token credential without user name', async () => {
    expect(await lookup({ auths: { 'quay.io': { identitytoken: 'rt-9' } } }, 'quay.io')).toEqual({
      refreshToken: 'rt-9',
    });
  });

  it('turns registrytoken into an access-token credential, before identitytoken and passwords', async () => {
    const config = { auths: { 'quay.io': { auth: b64('u:p'), identitytoken: 'rt', registrytoken: 'at-1' } } };
    expect(await lookup(config, 'quay.io')).toEqual({ accessToken: 'at-1' });
  });

  it('treats an empty entry ({} as docker writes with a credential store) as no credential', async () => {
    expect(await lookup({ auths: { 'quay.io': {} } }, 'quay.io')).toBeUndefined();
    expect(await lookup({ auths: { 'quay.io': { auth: '' } } }, 'quay.io')).toBeUndefined();
  });

  it('answers undefined for a registry without entry, and keeps ports apart', async () => {
    const config = { auths: { 'quay.io': { auth: b64('a:b') }, 'localhost:5000': { auth: b64('c:d') } } };
    expect(await lookup(config, 'ghcr.io')).toBeUndefined();
    expect(await lookup(config, 'localhost')).toBeUndefined();
    expect(await lookup(config, 'localhost:5001')).toBeUndefined();
    expect(await lookup(config, 'localhost:5000')).toEqual({ username: 'c', password: 'd' });
  });

  it('matches the key Quay.IO to quay.io, where docker compares keys exactly (cli/config/credentials/file_store.go): a documented difference', async () => {
    expect(await lookup({ auths: { 'Quay.IO': { auth: b64('a:b') } } }, 'quay.io')).toEqual({
      username: 'a',
      password: 'b',
    });
    expect(await lookup({ auths: { 'HTTPS://Quay.IO/v1/': { auth: b64('c:d') } } }, 'quay.io')).toEqual({
      username: 'c',
      password: 'd',
    });
  });
});

describe('dockerCredentials: keys', () => {
  const hubKeys = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'];
  const hubRequests = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  for (const key of hubKeys) {
    for (const request of hubRequests) {
      it(`Docker Hub: key ${key} serves a request to ${request} (cli/config/credentials/file_store.go matches only the v1 URL: a documented difference)`, async () => {
        expect(await lookup({ auths: { [key]: { auth: b64('hub:pw') } } }, request)).toEqual({
          username: 'hub',
          password: 'pw',
        });
      });
    }
  }

  it("Docker Hub: docker's own key wins over other aliases, whatever the order", async () => {
    const a = {
      auths: { 'docker.io': { auth: b64('alias:1') }, 'https://index.docker.io/v1/': { auth: b64('native:2') } },
    };
    const b = {
      auths: { 'https://index.docker.io/v1/': { auth: b64('native:2') }, 'docker.io': { auth: b64('alias:1') } },
    };
    expect(await lookup(a, 'registry-1.docker.io')).toEqual({ username: 'native', password: '2' });
    expect(await lookup(b, 'registry-1.docker.io')).toEqual({ username: 'native', password: '2' });
  });

  for (const [key, request] of [
    ['https://quay.io', 'quay.io'],
    ['http://quay.io', 'quay.io'],
    ['quay.io/', 'quay.io'],
    ['https://quay.io/', 'quay.io'],
    ['https://quay.io/v1/', 'quay.io'],
    ['quay.io/v1/', 'quay.io'],
    ['http://localhost:5000/v2/', 'localhost:5000'],
  ] as const) {
    it(`key ${key} matches its host ${request}`, async () => {
      expect(await lookup({ auths: { [key]: { auth: b64('k:v') } } }, request)).toEqual({
        username: 'k',
        password: 'v',
      });
    });
  }

  it('prefers the bare host key over a URL key for the same host', async () => {
    const config = { auths: { 'https://quay.io/v1/': { auth: b64('url:1') }, 'quay.io': { auth: b64('host:2') } } };
    expect(await lookup(config, 'quay.io')).toEqual({ username: 'host', password: '2' });
  });
});

describe('dockerCredentials: where the file is', () => {
  it('reads ~/.docker/config.json from env.HOME', async () => {
    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: b64('home:1') } } });
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'home', password: '1' });
  });

  it('prefers $DOCKER_CONFIG/config.json over the home one', async () => {
    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: b64('home:1') } } });
    await sb.writeJson(sb.path('dc', 'config.json'), { auths: { 'quay.io': { auth: b64('env:2') } } });
    const env = { ...sb.env, DOCKER_CONFIG: sb.path('dc') };
    expect(await dockerCredentials({ env })(ctx('quay.io'))).toEqual({ username: 'env', password: '2' });
  });

  it('prefers the configDir option over $DOCKER_CONFIG', async () => {
    await sb.writeJson(sb.path('dc', 'config.json'), { auths: { 'quay.io': { auth: b64('env:2') } } });
    await sb.writeJson(sb.path('opt', 'config.json'), { auths: { 'quay.io': { auth: b64('opt:3') } } });
    const env = { ...sb.env, DOCKER_CONFIG: sb.path('dc') };
    expect(await dockerCredentials({ env, configDir: sb.path('opt') })(ctx('quay.io'))).toEqual({
      username: 'opt',
      password: '3',
    });
  });

  it('answers undefined (anonymous) when there is no config file or folder', async () => {
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
    const env = { ...sb.env, DOCKER_CONFIG: sb.path('does', 'not', 'exist') };
    expect(await dockerCredentials({ env })(ctx('quay.io'))).toBeUndefined();
  });

  it('treats an empty file as an empty config', async () => {
    await sb.writeText(configFile, '  \n');
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
  });

  it('accepts a UTF-8 byte order mark, where docker fails to parse the file (cli/config/configfile/file.go LoadFromReader): a documented difference', async () => {
    await sb.writeText(configFile, `\uFEFF${JSON.stringify({ auths: { 'quay.io': { auth: b64('bom:1') } } })}`);
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toEqual({ username: 'bom', password: '1' });
  });
});

describe('dockerCredentials: errors', () => {
  it('rejects malformed JSON with a typed error naming the file, not its content, where docker warns and goes on (cli/config/config.go LoadDefaultConfigFile)', async () => {
    await sb.writeText(configFile, '{"auths": {"quay.io": {"auth": "TOPSECRET-in-file"}');
    const error = await Promise.resolve(dockerCredentials({ env: sb.env })(ctx('quay.io'))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect(error).toBeInstanceOf(CredentialProviderError);
    const e = error as CredentialConfigError;
    expect(e.code).toBe('CREDENTIAL_PROVIDER');
    expect(e.file).toBe(configFile);
    expect(e.registry).toBe('quay.io');
    expect(e.message).toContain(configFile);
    expect(e.message).toContain('not valid JSON');
    expectNoSecret(e, ['TOPSECRET']);
  });

  it('rejects an unpadded auth, where docker warns and goes on without it (cli/config/configfile/file.go decodeAuth, cli/config/config.go LoadDefaultConfigFile)', async () => {
    const unpadded = b64('alice:TOPSECRET-pw1').replace(/=+$/, '');
    expect(unpadded).not.toBe(b64('alice:TOPSECRET-pw1'));
    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: unpadded } } });
    const error = await rejectionOf(dockerCredentials({ env: sb.env })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect((error as Error).message).toBe(
      `The "auths" entry "quay.io" in ${configFile} (used for quay.io) has an "auth" field that is not valid base64. Log in again or fix the entry.`,
    );
    expectNoSecret(error, ['TOPSECRET', unpadded]);
  });

  it('rejects a config that is not an object, or whose auths is not an object', async () => {
    await sb.writeText(configFile, '["x"]');
    await expect(dockerCredentials({ env: sb.env })(ctx('quay.io'))).rejects.toThrow(
      `Cannot use the credentials file ${configFile} (looking up quay.io): it is not a JSON object.`,
    );
    await sb.writeJson(configFile, { auths: 'TOPSECRET' });
    await expect(dockerCredentials({ env: sb.env })(ctx('quay.io'))).rejects.toThrow(
      `Cannot use the credentials file ${configFile} (looking up quay.io): its "auths" is not an object.`,
    );
  });

  it('rejects an invalid auth value for the registry asked, naming the key but not the value', async () => {
    const provider = dockerCredentials({ env: sb.env });
    await sb.writeJson(configFile, {
      auths: {
        'quay.io': { auth: '!!TOPSECRET!!' },
        'ghcr.io': { auth: b64('TOPSECRET-no-colon') },
        'docker.io': { auth: b64('ok:1') },
      },
    });
    const bad64 = await Promise.resolve(provider(ctx('quay.io'))).catch((e: unknown) => e);
    expect(bad64).toBeInstanceOf(CredentialConfigError);
    expect((bad64 as Error).message).toBe(
      `The "auths" entry "quay.io" in ${configFile} (used for quay.io) has an "auth" field that is not valid base64. Log in again or fix the entry.`,
    );
    const noColon = await Promise.resolve(provider(ctx('ghcr.io'))).catch((e: unknown) => e);
    expect((noColon as Error).message).toBe(
      `The "auths" entry "ghcr.io" in ${configFile} (used for ghcr.io) has an "auth" field that does not decode to "username:password". Log in again or fix the entry.`,
    );
    // Other registries are not affected by a broken entry.
    expect(await provider(ctx('registry-1.docker.io'))).toEqual({ username: 'ok', password: '1' });
  });

  it('rejects an entry field of the wrong type', async () => {
    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: 42 } } });
    await expect(dockerCredentials({ env: sb.env })(ctx('quay.io'))).rejects.toThrow(
      `The "auths" entry "quay.io" in ${configFile} (used for quay.io) has a non-string "auth" field.`,
    );
  });
});

describe('dockerCredentials: what docker reads that we do not', () => {
  it('does not pick a platform helper when the file holds no login, where docker does (cli/config/config.go LoadDefaultConfigFile, cli/config/credentials/default_store.go)', async () => {
    for (const name of ['secretservice', 'pass', 'osxkeychain', 'wincred', 'desktop']) {
      await sb.tableHelper(name, {
        'quay.io': { Username: name, Secret: 's' },
        'https://index.docker.io/v1/': { Username: name, Secret: 's' },
      });
    }
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
    await sb.writeJson(configFile, { auths: {} });
    expect(await dockerCredentials({ env: sb.env })(ctx('registry-1.docker.io'))).toBeUndefined();
    for (const name of ['secretservice', 'pass', 'osxkeychain', 'wincred', 'desktop'])
      expect(await sb.calls(name)).toEqual([]);
  });

  it('does not read DOCKER_AUTH_CONFIG, which docker reads before the file (cli/config/configfile/file.go GetCredentialsStore)', async () => {
    const env = { ...sb.env, DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'quay.io': { auth: b64('env:pw') } } }) };
    expect(await dockerCredentials({ env })(ctx('quay.io'))).toBeUndefined();
  });
});

describe('dockerCredentials: changes to the file', () => {
  it('re-reads the file when it changes, and reuses the parsed file when it does not', async () => {
    const provider = dockerCredentials({ env: sb.env });
    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: b64('first:1') } } });
    const first = await provider(ctx('quay.io'));
    expect(first).toEqual({ username: 'first', password: '1' });
    expect(await provider(ctx('quay.io'))).toBe(first);

    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: b64('second:22') } } });
    expect(await provider(ctx('quay.io'))).toEqual({ username: 'second', password: '22' });

    // Same size, new content: the mtime/ctime tells.
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(configFile, JSON.stringify({ auths: { 'quay.io': { auth: b64('thirdd:33') } } }, null, 2));
    expect(await provider(ctx('quay.io'))).toEqual({ username: 'thirdd', password: '33' });

    await rm(configFile);
    expect(await provider(ctx('quay.io'))).toBeUndefined();

    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: b64('back:4') } } });
    expect(await provider(ctx('quay.io'))).toEqual({ username: 'back', password: '4' });
  });

  it('recovers once a malformed file is fixed', async () => {
    const provider = dockerCredentials({ env: sb.env });
    await sb.writeText(configFile, '{');
    await expect(provider(ctx('quay.io'))).rejects.toBeInstanceOf(CredentialConfigError);
    await sb.writeJson(configFile, { auths: { 'quay.io': { auth: b64('fixed:1') } } });
    expect(await provider(ctx('quay.io'))).toEqual({ username: 'fixed', password: '1' });
  });
});
