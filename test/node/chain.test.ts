import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainCredentials, CredentialConfigError, dockerCredentials, podmanCredentials } from '../../src/node/index.ts';
import type { Credential, CredentialContext, CredentialProvider } from '../../src/node/index.ts';
import { b64, ctx, sandbox } from './fixtures.ts';
import type { Sandbox } from './fixtures.ts';

function recording(answer: Credential | undefined, log: string[], name: string): CredentialProvider {
  return (c: CredentialContext) => {
    log.push(`${name}:${c.registry}`);
    return answer;
  };
}

describe('chainCredentials', () => {
  it('returns the first answer and does not ask the rest', async () => {
    const log: string[] = [];
    const chain = chainCredentials(
      recording(undefined, log, 'a'),
      recording({ username: 'b', password: '1' }, log, 'b'),
      recording({ username: 'c', password: '2' }, log, 'c'),
    );
    expect(await chain(ctx('quay.io'))).toEqual({ username: 'b', password: '1' });
    expect(log).toEqual(['a:quay.io', 'b:quay.io']);
  });

  it('keeps the order given', async () => {
    const log: string[] = [];
    const chain = chainCredentials(
      recording({ accessToken: 'first' }, log, 'x'),
      recording({ accessToken: 'second' }, log, 'y'),
    );
    expect(await chain(ctx('quay.io'))).toEqual({ accessToken: 'first' });
    expect(log).toEqual(['x:quay.io']);
  });

  it('accepts async providers and passes the context unchanged', async () => {
    const seen: CredentialContext[] = [];
    const context: CredentialContext = {
      registry: 'ghcr.io',
      realm: 'https://ghcr.io/token',
      service: 'ghcr.io',
      scopes: ['repository:a/b:pull'],
    };
    const chain = chainCredentials(async (c) => {
      seen.push(c);
      return { refreshToken: 'r' };
    });
    expect(await chain(context)).toEqual({ refreshToken: 'r' });
    expect(seen).toEqual([context]);
  });

  it('answers undefined when no provider answers, or with no providers', async () => {
    const log: string[] = [];
    expect(
      await chainCredentials(recording(undefined, log, 'a'), recording(undefined, log, 'b'))(ctx('quay.io')),
    ).toBeUndefined();
    expect(log).toEqual(['a:quay.io', 'b:quay.io']);
    expect(await chainCredentials()(ctx('quay.io'))).toBeUndefined();
  });

  it('propagates an error and asks no further provider', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const chain = chainCredentials(
      recording(undefined, log, 'a'),
      () => {
        throw boom;
      },
      recording({ accessToken: 't' }, log, 'c'),
    );
    await expect(chain(ctx('quay.io'))).rejects.toBe(boom);
    expect(log).toEqual(['a:quay.io']);
  });

  describe('with the file providers', () => {
    let sb: Sandbox;
    beforeEach(async () => {
      sb = await sandbox();
    });
    afterEach(async () => {
      await sb.cleanup();
    });

    it('falls from podman to docker (with its credsStore)', async () => {
      await sb.tableHelper('store', { 'https://index.docker.io/v1/': { Username: 'hub', Secret: 's' } });
      await sb.writeJson(join(sb.home, '.config', 'containers', 'auth.json'), {
        auths: { 'quay.io': { auth: b64('podman:pw') } },
      });
      await sb.writeJson(join(sb.home, '.docker', 'config.json'), { credsStore: 'store' });
      const chain = chainCredentials(podmanCredentials({ env: sb.env }), dockerCredentials({ env: sb.env }));
      expect(await chain(ctx('quay.io'))).toEqual({ username: 'podman', password: 'pw' });
      expect(await chain(ctx('registry-1.docker.io'))).toEqual({ username: 'hub', password: 's' });
      expect(await chain(ctx('ghcr.io'))).toBeUndefined();
      expect(await sb.calls('store')).toEqual(['https://index.docker.io/v1/', 'ghcr.io']);
    });

    it('propagates a file provider error', async () => {
      await sb.writeText(join(sb.home, '.docker', 'config.json'), '{');
      const chain = chainCredentials(
        podmanCredentials({ env: sb.env, dockerFallback: false }),
        dockerCredentials({ env: sb.env }),
      );
      await expect(chain(ctx('quay.io'))).rejects.toBeInstanceOf(CredentialConfigError);
    });
  });
});
