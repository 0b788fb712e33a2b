// oci-auth-fetch token: prints the token the SDK obtains, plain or as JSON metadata.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPayload, startReferenceRegistry } from '../../reference/registry.ts';
import { PASSWORD, run, startFixture, USER } from './harness.ts';
import type { Fixture } from './harness.ts';

let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
});

afterAll(async () => {
  await fx?.close();
});

async function writeJson(file: string, data: unknown): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(data));
  return file;
}

/** The registry accepts the token: it is a real one, for the scopes asked. */
async function registryAccepts(token: string, path: string): Promise<number> {
  const res = await fetch(`${fx.registry.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await res.body?.cancel();
  return res.status;
}

describe('oci-auth-fetch token', () => {
  it('prints a pull token for REGISTRY/REPOSITORY, one line, with the docker login', async () => {
    const result = await run(['token', `${fx.registry.host}/team/app`], { env: fx.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = result.stdout.trimEnd();
    const claims = decodeJwtPayload(token);
    expect(claims.sub).toBe(USER);
    expect(claims.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    expect(await registryAccepts(token, '/v2/team/app/tags/list')).toBe(404); // authorized; no tags yet
  });

  it('asks for every --scope, with a tag ignored and --push', async () => {
    const result = await run(
      [
        'token',
        '--push',
        '--scope',
        'repository:public/hello:pull',
        '--scope',
        'registry:catalog:*',
        `http://${fx.registry.host}/team/app:latest`,
      ],
      { env: fx.env },
    );
    expect(result.code).toBe(0);
    expect(decodeJwtPayload(result.stdout.trimEnd()).access).toEqual([
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'public/hello', actions: ['pull'] },
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    ]);
  });

  it('--json prints the token with its metadata and the JWT access claim', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await run(['token', '--json', '--push', `${fx.registry.host}/team/app`], { env: fx.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as Record<string, unknown> & { token: string; claims: { exp: number } };
    const claims = decodeJwtPayload(report.token);
    expect(claims.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    // the token's whole-second exp bounds its life: 299 or 300 s are left, depending on when in the second it was issued
    expect([299, 300]).toContain(report.expiresIn);
    expect(report).toEqual({
      token: report.token,
      registry: fx.registry.host,
      realm: fx.registry.realm,
      service: 'reference-registry',
      scopes: ['repository:team/app:pull,push'],
      grant: 'basic',
      expiresIn: report.expiresIn,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      granted: ['repository:team/app:pull,push'],
      claims,
    });
    expect(await registryAccepts(report.token, '/v2/team/app/tags/list')).toBe(404);
  });

  it('gives an anonymous token without credentials: it grants only what anonymous may do', async () => {
    const result = await run(['token', '--json', `${fx.registry.host}/team/app`], { env: fx.anonymousEnv });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { grant: string; granted: string[]; claims: { sub: string } };
    expect(report.grant).toBe('anonymous');
    expect(report.granted).toEqual([]);
    expect(report.claims.sub).toBe('');
  });

  it('takes -u USER with --password-stdin', async () => {
    const result = await run(['token', '-u', USER, '--password-stdin', `${fx.registry.host}/team/app`], {
      env: fx.anonymousEnv,
      stdin: `${PASSWORD}\r\n`,
    });
    expect(result.code).toBe(0);
    expect(decodeJwtPayload(result.stdout.trimEnd()).sub).toBe(USER);
  });

  it('a wrong password exits 3 without the password', async () => {
    const result = await run(['token', '-u', USER, `${fx.registry.host}/team/app`], {
      env: { ...fx.env, OCI_AUTH_PASSWORD: 'wrong-password-123' },
    });
    expect(result).toMatchObject({
      code: 3,
      stdout: '',
      stderr:
        `oci-auth-fetch: authentication failed: The token endpoint ${fx.registry.realm} refused the credentials of user "alice" ` +
        '(HTTP 401 UNAUTHORIZED: authentication required). Check the username and password or token, and that the ' +
        'account may access the requested scopes.\n',
    });
  });

  it('exits 4 for a Basic registry, which issues no tokens', async () => {
    const basic = await startReferenceRegistry({ auth: 'basic', users: { [USER]: PASSWORD } });
    try {
      const result = await run(['token', '-u', `${USER}:${PASSWORD}`, `${basic.host}/team/app`], {
        env: fx.anonymousEnv,
      });
      expect(result).toMatchObject({
        code: 4,
        stdout: '',
        stderr: `oci-auth-fetch: ${basic.host} uses Basic authentication: it issues no tokens\n`,
      });
    } finally {
      await basic.close();
    }
  });

  it('takes REGISTRY/REPOSITORY with a tag, a digest or both, and ignores them', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const target of [
      `${fx.registry.host}/team/app:v1`,
      `${fx.registry.host}/team/app@${digest}`,
      `${fx.registry.host}/team/app:v1@${digest}`,
    ]) {
      const result = await run(['token', target], { env: fx.env });
      expect(result.code).toBe(0);
      expect(decodeJwtPayload(result.stdout.trimEnd()).access).toEqual([
        { type: 'repository', name: 'team/app', actions: ['pull'] },
      ]);
    }
  });

  it("uses the logins in the order --help gives: podman's files first, and $DOCKER_CONFIG/config.json alone when DOCKER_CONFIG is set", async () => {
    const good = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const bad = Buffer.from(`${USER}:wrong-password-456`).toString('base64');
    const home = join(fx.root, 'order-home');
    const containers = await writeJson(join(fx.root, 'order-xdg', 'containers', 'auth.json'), {
      auths: { [fx.registry.host]: { auth: good } },
    });
    await writeJson(join(home, '.docker', 'config.json'), { auths: { [fx.registry.host]: { auth: bad } } });
    const env = { HOME: home, PATH: fx.env.PATH, XDG_CONFIG_HOME: join(fx.root, 'order-xdg') };
    // podman's auth.json before docker's config.json
    const first = await run(['token', `${fx.registry.host}/team/app`], { env });
    expect(first.code).toBe(0);
    expect(decodeJwtPayload(first.stdout.trimEnd()).sub).toBe(USER);
    // with DOCKER_CONFIG set, podman reads only $DOCKER_CONFIG/config.json: the containers file is not used
    await writeJson(containers, { auths: { [fx.registry.host]: { auth: bad } } });
    const second = await run(['token', `${fx.registry.host}/team/app`], {
      env: { ...env, DOCKER_CONFIG: fx.env.DOCKER_CONFIG },
    });
    expect(second.code).toBe(0);
    expect(decodeJwtPayload(second.stdout.trimEnd()).sub).toBe(USER);
    // without it, the wrong containers login is used first and refused
    const third = await run(['token', `${fx.registry.host}/team/app`], { env });
    expect(third.code).toBe(3);
  });

  it('usage errors exit 2', async () => {
    expect(await run(['token'], { env: fx.env })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'oci-auth-fetch: no REGISTRY[/REPOSITORY] given; see oci-auth-fetch token --help\n',
    });
    expect(await run(['token', '--push', fx.registry.host], { env: fx.env })).toMatchObject({
      code: 2,
      stderr: 'oci-auth-fetch: --push needs a repository: REGISTRY/REPOSITORY; see oci-auth-fetch token --help\n',
    });
    expect(await run(['token', '--scope', 'pull', fx.registry.host], { env: fx.env })).toMatchObject({
      code: 2,
      stderr:
        'oci-auth-fetch: bad --scope "pull": Not a scope: expected type[(class)]:name:actions, with no whitespace, and no ":()," in the type; see oci-auth-fetch token --help\n',
    });
  });
});
