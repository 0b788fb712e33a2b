import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialConfigError, dockerCredentials, podmanCredentials } from '../../src/node/index.ts';
import { b64, ctx, expectNoSecret, rejectionOf, sandbox } from './fixtures.ts';
import type { Sandbox } from './fixtures.ts';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const SECRET = 'TOPSECRET-podman-pw';
const pull = (repository: string): string[] => [`repository:${repository}:pull`];
const authsFor = (key: string, user: string) => ({ auths: { [key]: { auth: b64(`${user}:pw`) } } });
const userOf = (credential: unknown): string | undefined => (credential as { username?: string } | undefined)?.username;

describe('podmanCredentials: which files', () => {
  let files: {
    registryAuthFile: string;
    runtime: string;
    configHome: string;
    homeConfig: string;
    dockerEnv: string;
    dockerHome: string;
  };
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    files = {
      registryAuthFile: sb.path('explicit', 'auth.json'),
      runtime: sb.path('run', 'containers', 'auth.json'),
      configHome: sb.path('xdgconfig', 'containers', 'auth.json'),
      homeConfig: join(sb.home, '.config', 'containers', 'auth.json'),
      dockerEnv: sb.path('dockerconfig', 'config.json'),
      dockerHome: join(sb.home, '.docker', 'config.json'),
    };
    for (const [name, file] of Object.entries(files)) await sb.writeJson(file, authsFor('quay.io', name));
    env = {
      ...sb.env,
      REGISTRY_AUTH_FILE: files.registryAuthFile,
      XDG_RUNTIME_DIR: sb.path('run'),
      XDG_CONFIG_HOME: sb.path('xdgconfig'),
      DOCKER_CONFIG: sb.path('dockerconfig'),
    };
  });

  it('follows podman precedence: REGISTRY_AUTH_FILE, DOCKER_CONFIG, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, ~/.docker (containers/common pkg/auth/auth.go, containers/image pkg/docker/config/config.go)', async () => {
    const who = async (e: NodeJS.ProcessEnv) => userOf(await podmanCredentials({ env: e })(ctx('quay.io')));
    expect(await who(env)).toBe('registryAuthFile');
    const { REGISTRY_AUTH_FILE: _a, ...noExplicit } = env;
    expect(await who(noExplicit)).toBe('dockerEnv');
    const { DOCKER_CONFIG: _d, ...noDockerConfig } = noExplicit;
    expect(await who(noDockerConfig)).toBe('runtime');
    const { XDG_RUNTIME_DIR: _b, ...noRuntime } = noDockerConfig;
    expect(await who(noRuntime)).toBe('configHome');
    const { XDG_CONFIG_HOME: _c, ...noConfigHome } = noRuntime;
    expect(await who(noConfigHome)).toBe('homeConfig');
    await rm(files.homeConfig);
    expect(await who(noConfigHome)).toBe('dockerHome');
    await rm(files.dockerHome);
    expect(await who(noConfigHome)).toBeUndefined();
  });

  it('with DOCKER_CONFIG set, reads $DOCKER_CONFIG/config.json only, as the podman CLI (containers/common pkg/auth/auth.go GetDefaultAuthFile)', async () => {
    const { REGISTRY_AUTH_FILE: _a, ...e } = env;
    // The containers files have credentials for ghcr.io; podman does not read them while DOCKER_CONFIG is set.
    await sb.writeJson(files.runtime, authsFor('ghcr.io', 'runtime-gh'));
    await sb.writeJson(files.configHome, authsFor('ghcr.io', 'config-home-gh'));
    const provider = podmanCredentials({ env: e });
    expect(userOf(await provider(ctx('quay.io')))).toBe('dockerEnv');
    expect(await provider(ctx('ghcr.io'))).toBeUndefined();
    // A broken containers file is not even opened.
    await sb.writeText(files.runtime, '{"auths": TOPSECRET');
    expect(userOf(await podmanCredentials({ env: e })(ctx('quay.io')))).toBe('dockerEnv');
    // Without docker's config (dockerFallback: false), DOCKER_CONFIG changes nothing: the containers files are read.
    await sb.writeJson(files.runtime, authsFor('ghcr.io', 'runtime-gh'));
    expect(userOf(await podmanCredentials({ env: e, dockerFallback: false })(ctx('ghcr.io')))).toBe('runtime-gh');
  });

  it('moves on to the next file when a file has nothing for the registry', async () => {
    const { REGISTRY_AUTH_FILE: _a, DOCKER_CONFIG: _d, ...e } = env;
    await sb.writeJson(files.runtime, authsFor('ghcr.io', 'runtime-gh'));
    await sb.writeJson(files.configHome, { auths: { 'quay.io': {} } });
    const provider = podmanCredentials({ env: e });
    expect(userOf(await provider(ctx('quay.io')))).toBe('dockerHome');
    expect(userOf(await provider(ctx('ghcr.io')))).toBe('runtime-gh');
  });

  it('reads only REGISTRY_AUTH_FILE when it is set', async () => {
    await sb.writeJson(files.registryAuthFile, authsFor('ghcr.io', 'explicit-gh'));
    const provider = podmanCredentials({ env });
    expect(await provider(ctx('quay.io'))).toBeUndefined();
    expect(userOf(await provider(ctx('ghcr.io')))).toBe('explicit-gh');
  });

  it('reads only the authFile option when given, over REGISTRY_AUTH_FILE', async () => {
    const own = await sb.writeJson(sb.path('own.json'), authsFor('quay.io', 'own'));
    expect(userOf(await podmanCredentials({ env, authFile: own })(ctx('quay.io')))).toBe('own');
    expect(await podmanCredentials({ env, authFile: sb.path('none.json') })(ctx('quay.io'))).toBeUndefined();
  });

  it('does not read docker config.json with dockerFallback: false', async () => {
    const { REGISTRY_AUTH_FILE: _a, XDG_RUNTIME_DIR: _b, XDG_CONFIG_HOME: _c, ...e } = env;
    await rm(files.homeConfig);
    expect(userOf(await podmanCredentials({ env: e })(ctx('quay.io')))).toBe('dockerEnv');
    expect(await podmanCredentials({ env: e, dockerFallback: false })(ctx('quay.io'))).toBeUndefined();
  });
});

describe('podmanCredentials: what podman reads that we do not', () => {
  it('does not read the legacy ~/.dockercfg, which podman reads last (containers/image pkg/docker/config/config.go dockerLegacyHomePath)', async () => {
    await sb.writeJson(join(sb.home, '.dockercfg'), { 'https://quay.io/v1/': { auth: b64('legacy:pw') } });
    expect(await podmanCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
  });
});

describe('podmanCredentials: no files', () => {
  it('answers undefined when no file exists', async () => {
    expect(
      await podmanCredentials({ env: { ...sb.env, XDG_RUNTIME_DIR: sb.path('run') } })(ctx('quay.io')),
    ).toBeUndefined();
  });
});

describe('podmanCredentials: namespaced keys', () => {
  let authFile: string;
  const auths = {
    'quay.io': { auth: b64('registry:pw') },
    'quay.io/team': { auth: b64('team:pw') },
    'quay.io/team/app': { auth: b64('app:pw') },
  };
  beforeEach(() => {
    authFile = sb.path('auth.json');
  });

  for (const [label, order] of [
    ['least specific first', auths],
    ['most specific first', Object.fromEntries(Object.entries(auths).reverse())],
  ] as const) {
    it(`the most specific key wins (${label} in the file)`, async () => {
      await sb.writeJson(authFile, { auths: order });
      const provider = podmanCredentials({ env: sb.env, authFile });
      expect(userOf(await provider(ctx('quay.io', pull('team/app'))))).toBe('app');
      expect(userOf(await provider(ctx('quay.io', pull('team/app/sub'))))).toBe('app');
      expect(userOf(await provider(ctx('quay.io', pull('team/other'))))).toBe('team');
      expect(userOf(await provider(ctx('quay.io', pull('team'))))).toBe('team');
      expect(userOf(await provider(ctx('quay.io', pull('teamwork/app'))))).toBe('registry');
      expect(userOf(await provider(ctx('quay.io', ['registry:catalog:*'])))).toBe('registry');
      expect(userOf(await provider(ctx('quay.io')))).toBe('registry');
    });
  }

  it("uses the request's repository: the scope that asks more than pull, whatever the order", async () => {
    await sb.writeJson(authFile, { auths });
    const provider = podmanCredentials({ env: sb.env, authFile });
    expect(userOf(await provider(ctx('quay.io', ['repository:team/app:pull,push', 'repository:base/img:pull'])))).toBe(
      'app',
    );
    // a mount into team/app from base/img: the sorted scopes put the source first
    expect(userOf(await provider(ctx('quay.io', ['repository:base/img:pull', 'repository:team/app:pull,push'])))).toBe(
      'app',
    );
  });

  it('answers undefined when only a namespace of another repository matches', async () => {
    await sb.writeJson(authFile, { auths: { 'quay.io/team': { auth: b64('team:pw') } } });
    const provider = podmanCredentials({ env: sb.env, authFile });
    expect(await provider(ctx('quay.io', pull('other/app')))).toBeUndefined();
    expect(await provider(ctx('quay.io'))).toBeUndefined();
    expect(userOf(await provider(ctx('quay.io', pull('team/app'))))).toBe('team');
  });

  it('an empty most specific entry ends the lookup in its file, and the next file is tried (containers/image pkg/docker/config/config.go findCredentialsInFile)', async () => {
    await sb.writeJson(sb.path('run', 'containers', 'auth.json'), {
      auths: { 'quay.io/team/app': {}, 'quay.io': { auth: b64('same-file:pw') } },
    });
    const provider = podmanCredentials({ env: { ...sb.env, XDG_RUNTIME_DIR: sb.path('run') } });
    expect(await provider(ctx('quay.io', pull('team/app')))).toBeUndefined();
    expect(userOf(await provider(ctx('quay.io', pull('team/other'))))).toBe('same-file');
    await sb.writeJson(join(sb.home, '.config', 'containers', 'auth.json'), authsFor('quay.io', 'next-file'));
    expect(userOf(await provider(ctx('quay.io', pull('team/app'))))).toBe('next-file');
  });

  it('matches Docker Hub keys as containers/image pkg/docker/config/config.go does: docker.io/… exactly, bare Hub names and URLs through normalizeRegistry', async () => {
    await sb.writeJson(authFile, {
      auths: {
        'docker.io/library': { auth: b64('library:pw') },
        'index.docker.io/myorg/app': { auth: b64('alias-namespace:pw') },
        'index.docker.io': { auth: b64('hub-alias:pw') },
      },
    });
    const provider = podmanCredentials({ env: sb.env, authFile });
    for (const registry of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(userOf(await provider(ctx(registry, pull('library/nginx'))))).toBe('library');
      // a namespace under another Hub name is not normalised: the registry-wide alias answers
      expect(userOf(await provider(ctx(registry, pull('myorg/app'))))).toBe('hub-alias');
    }
    for (const key of [
      'docker.io',
      'registry-1.docker.io',
      'https://index.docker.io/v1/',
      'http://registry-1.docker.io/v2/',
    ]) {
      await sb.writeJson(authFile, { auths: { [key]: { auth: b64('hub:pw') } } });
      expect(userOf(await provider(ctx('registry-1.docker.io', pull('library/nginx'))))).toBe('hub');
    }
  });

  it('does not use the key "quay.io/" (no scheme, trailing slash) nor "Quay.IO": containers/image pkg/docker/config/config.go normalizeAuthFileKey strips a path only after a scheme, and compares exactly', async () => {
    for (const key of ['quay.io/', 'quay.io/team/', 'Quay.IO', 'HTTPS://quay.io']) {
      await sb.writeJson(authFile, { auths: { [key]: { auth: b64('wrong-key:pw') } } });
      const provider = podmanCredentials({ env: sb.env, authFile });
      expect(await provider(ctx('quay.io', pull('team/app')))).toBeUndefined();
    }
    for (const key of ['https://quay.io', 'http://quay.io/v1/', 'https://quay.io/team/other']) {
      await sb.writeJson(authFile, { auths: { [key]: { auth: b64('url-key:pw') } } });
      expect(userOf(await podmanCredentials({ env: sb.env, authFile })(ctx('quay.io', pull('team/app'))))).toBe(
        'url-key',
      );
    }
    // docker's reading of the same key finds it (cli/config/credentials/file_store.go ConvertToHostname)
    await sb.writeJson(join(sb.home, '.docker', 'config.json'), {
      auths: { 'quay.io/': { auth: b64('docker-way:pw') } },
    });
    expect(userOf(await podmanCredentials({ env: sb.env })(ctx('quay.io')))).toBeUndefined();
    expect(userOf(await dockerCredentials({ env: sb.env })(ctx('quay.io')))).toBe('docker-way');
  });

  it('supports namespaced keys in the docker config.json fallback too', async () => {
    await sb.writeJson(join(sb.home, '.docker', 'config.json'), {
      auths: { 'quay.io/team': { auth: b64('docker-team:pw') } },
    });
    expect(userOf(await podmanCredentials({ env: sb.env })(ctx('quay.io', pull('team/app'))))).toBe('docker-team');
  });

  it('reads only auth, and identitytoken beside it, as containers/image pkg/docker/config/config.go decodeDockerAuth', async () => {
    await sb.writeJson(authFile, {
      auths: {
        'a.io': { auth: b64('user:'), identitytoken: 'rt' },
        'b.io': { registrytoken: 'at' },
        'c.io': { username: 'u', password: 'p' },
        'd.io': { identitytoken: 'rt-alone' },
        'e.io': { auth: b64('user:pw'), registrytoken: 'at-ignored' },
      },
    });
    const provider = podmanCredentials({ env: sb.env, authFile });
    expect(await provider(ctx('a.io'))).toEqual({ refreshToken: 'rt', username: 'user' });
    expect(await provider(ctx('b.io'))).toBeUndefined();
    expect(await provider(ctx('c.io'))).toBeUndefined();
    expect(await provider(ctx('d.io'))).toBeUndefined();
    expect(await provider(ctx('e.io'))).toEqual({ username: 'user', password: 'pw' });
    // dockerCredentials reads all of them, as docker does
    const docker = await sb.writeJson(
      sb.path('dockerdir', 'config.json'),
      JSON.parse(await readFile(authFile, 'utf8')),
    );
    const dockerProvider = dockerCredentials({ env: sb.env, configDir: dirname(docker) });
    expect(await dockerProvider(ctx('b.io'))).toEqual({ accessToken: 'at' });
    expect(await dockerProvider(ctx('c.io'))).toEqual({ username: 'u', password: 'p' });
    expect(await dockerProvider(ctx('d.io'))).toEqual({ refreshToken: 'rt-alone' });
  });
});

describe('podmanCredentials: helpers', () => {
  it('asks credHelpers with the bare registry name (docker.io for Docker Hub) before auths', async () => {
    await sb.tableHelper('pod', {
      'docker.io': { Username: 'hub-helper', Secret: 's' },
      'quay.io': { Username: 'quay-helper', Secret: 's' },
    });
    const authFile = await sb.writeJson(sb.path('auth.json'), {
      credHelpers: { 'docker.io': 'pod', 'quay.io': 'pod' },
      auths: { 'quay.io/team/app': { auth: b64('file:pw') } },
    });
    const provider = podmanCredentials({ env: sb.env, authFile });
    expect(userOf(await provider(ctx('registry-1.docker.io', pull('library/nginx'))))).toBe('hub-helper');
    expect(userOf(await provider(ctx('quay.io', pull('team/app'))))).toBe('quay-helper');
    expect(await sb.calls('pod')).toEqual(['docker.io', 'quay.io']);
  });

  it('moves on to the next file when the helper has no credential', async () => {
    await sb.tableHelper('empty', {});
    await sb.writeJson(sb.path('run', 'containers', 'auth.json'), {
      credHelpers: { 'quay.io': 'empty' },
      auths: { 'quay.io': { auth: b64('same-file:pw') } },
    });
    await sb.writeJson(join(sb.home, '.config', 'containers', 'auth.json'), authsFor('quay.io', 'next-file'));
    const provider = podmanCredentials({ env: { ...sb.env, XDG_RUNTIME_DIR: sb.path('run') } });
    expect(userOf(await provider(ctx('quay.io')))).toBe('next-file');
    expect(await sb.calls('empty')).toEqual(['quay.io']);
  });

  it('matches credHelpers keys exactly, as containers/image pkg/docker/config/config.go findCredentialsInFile', async () => {
    await sb.tableHelper('pod', {
      'docker.io': { Username: 'hub-helper', Secret: 's' },
      'quay.io': { Username: 'quay-helper', Secret: 's' },
    });
    const authFile = await sb.writeJson(sb.path('auth.json'), {
      credHelpers: { 'index.docker.io': 'pod', 'https://quay.io': 'pod', 'Ghcr.io': 'pod' },
    });
    const provider = podmanCredentials({ env: sb.env, authFile });
    expect(await provider(ctx('registry-1.docker.io', pull('library/nginx')))).toBeUndefined();
    expect(await provider(ctx('quay.io'))).toBeUndefined();
    expect(await provider(ctx('ghcr.io'))).toBeUndefined();
    expect(await sb.calls('pod')).toEqual([]);
  });

  it('refuses an empty helper name, as podman fails running "docker-credential-" (containers/image pkg/docker/config/config.go findCredentialsInFile)', async () => {
    const authFile = await sb.writeJson(sb.path('auth.json'), {
      credHelpers: { 'quay.io': '' },
      auths: { 'quay.io': { auth: b64(`u:${SECRET}`) } },
    });
    const error = await rejectionOf(podmanCredentials({ env: sb.env, authFile })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect((error as Error).message).toBe(
      `The credHelpers "quay.io" value used for quay.io in ${authFile} is not a credential helper name (expected a string like "osxkeychain", naming the program docker-credential-<name>). Fix the file.`,
    );
    expectNoSecret(error, [SECRET, b64(`u:${SECRET}`)]);
  });

  it('ignores credsStore, as podman does', async () => {
    await sb.tableHelper('store', { 'quay.io': { Username: 'store', Secret: 's' } });
    await sb.writeJson(join(sb.home, '.docker', 'config.json'), {
      credsStore: 'store',
      auths: { 'quay.io': { auth: b64('inline:pw') } },
    });
    expect(userOf(await podmanCredentials({ env: sb.env })(ctx('quay.io')))).toBe('inline');
    expect(await sb.calls('store')).toEqual([]);
  });

  it('caches helper answers per registry', async () => {
    await sb.tableHelper('pod', { 'quay.io': { Username: 'h', Secret: 's' } });
    const authFile = await sb.writeJson(sb.path('auth.json'), { credHelpers: { 'quay.io': 'pod' } });
    const provider = podmanCredentials({ env: sb.env, authFile });
    await provider(ctx('quay.io', pull('a/b')));
    await provider(ctx('quay.io', pull('c/d')));
    expect(await sb.calls('pod')).toEqual(['quay.io']);
  });
});

describe('podmanCredentials: files that change or are broken', () => {
  it('re-reads a changed auth.json', async () => {
    const authFile = await sb.writeJson(sb.path('auth.json'), authsFor('quay.io', 'before'));
    const provider = podmanCredentials({ env: sb.env, authFile });
    expect(userOf(await provider(ctx('quay.io')))).toBe('before');
    await sb.writeJson(authFile, authsFor('quay.io', 'after-change'));
    expect(userOf(await provider(ctx('quay.io')))).toBe('after-change');
  });

  it('rejects malformed JSON with a typed error naming the file', async () => {
    const authFile = await sb.writeText(sb.path('auth.json'), '{"auths": TOPSECRET');
    const error = await Promise.resolve(podmanCredentials({ env: sb.env, authFile })(ctx('quay.io'))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect((error as CredentialConfigError).file).toBe(authFile);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot use the credentials file ${authFile} \\(looking up quay\\.io\\): it is not valid JSON( \\(error at offset \\d+\\))?\\. Fix or remove the file`,
      ),
    );
    expect((error as Error).message).not.toContain('TOPSECRET');
  });

  it('refuses an empty (0-byte) $XDG_RUNTIME_DIR/containers/auth.json, naming it, as containers/image pkg/docker/config/config.go (authPath.parse) fails on it', async () => {
    const runtime = await sb.writeText(sb.path('run', 'containers', 'auth.json'), '');
    await sb.writeJson(sb.path('xdgconfig', 'containers', 'auth.json'), {
      auths: { 'quay.io': { auth: b64(`later:${SECRET}`) } },
    });
    const env = { ...sb.env, XDG_RUNTIME_DIR: sb.path('run'), XDG_CONFIG_HOME: sb.path('xdgconfig') };
    const error = await rejectionOf(podmanCredentials({ env })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect((error as CredentialConfigError).file).toBe(runtime);
    expect((error as Error).message).toBe(
      `Cannot use the credentials file ${runtime} (looking up quay.io): it is empty (not even {}). ` +
        'Fix or remove the file; its content is not shown because it may hold secrets.',
    );
    expectNoSecret(error, [SECRET, b64(`later:${SECRET}`)]);
    // white space only is empty too (json.Unmarshal: "unexpected end of JSON input")
    await sb.writeText(runtime, ' \n');
    await expect(podmanCredentials({ env })(ctx('quay.io'))).rejects.toBeInstanceOf(CredentialConfigError);
    // docker reads an empty config.json as {} (cli/config/configfile/file.go LoadFromReader ignores io.EOF); podman does not
    const dockerFile = await sb.writeText(join(sb.home, '.docker', 'config.json'), '');
    expect(await dockerCredentials({ env: sb.env })(ctx('quay.io'))).toBeUndefined();
    const fromDocker = await rejectionOf(podmanCredentials({ env: sb.env })(ctx('quay.io')));
    expect((fromDocker as CredentialConfigError).file).toBe(dockerFile);
  });

  it('refuses an auth that is not "user:password", which podman skips with a warning (containers/image pkg/docker/config/config.go decodeDockerAuth): a documented difference', async () => {
    const authFile = await sb.writeJson(sb.path('auth.json'), { auths: { 'quay.io': { auth: b64(SECRET) } } });
    const error = await rejectionOf(podmanCredentials({ env: sb.env, authFile })(ctx('quay.io')));
    expect(error).toBeInstanceOf(CredentialConfigError);
    expect((error as Error).message).toBe(
      `The "auths" entry "quay.io" in ${authFile} (used for quay.io) has an "auth" field that does not decode to "username:password". Log in again or fix the entry.`,
    );
    expectNoSecret(error, [SECRET, b64(SECRET)]);
  });

  it('accepts a UTF-8 byte order mark, where podman fails to parse the file (containers/image pkg/docker/config/config.go authPath.parse): a documented difference', async () => {
    const authFile = await sb.writeText(sb.path('auth.json'), `\uFEFF${JSON.stringify(authsFor('quay.io', 'bom'))}`);
    expect(userOf(await podmanCredentials({ env: sb.env, authFile })(ctx('quay.io')))).toBe('bom');
  });

  it('stops at a broken file rather than skipping it', async () => {
    await sb.writeText(sb.path('run', 'containers', 'auth.json'), 'nope');
    await sb.writeJson(join(sb.home, '.config', 'containers', 'auth.json'), authsFor('quay.io', 'later'));
    const provider = podmanCredentials({ env: { ...sb.env, XDG_RUNTIME_DIR: sb.path('run') } });
    await expect(provider(ctx('quay.io'))).rejects.toBeInstanceOf(CredentialConfigError);
  });
});
