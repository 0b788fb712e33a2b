// An identity token from docker's config (or a helper's `<token>` answer) goes through the OAuth2 refresh grant
// against the reference token server, end to end.

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import { createAuthFetch } from '../../src/index.ts';
import { dockerCredentials } from '../../src/node/index.ts';
import { sandbox } from './fixtures.ts';
import type { Sandbox } from './fixtures.ts';

let sb: Sandbox;
let registry: ReferenceRegistry;
let refreshToken: string;

beforeEach(async () => {
  sb = await sandbox();
  registry = await startReferenceRegistry({ users: { alice: 'alice-pw' } });
  // What `docker login` stores for an OAuth2 registry: a refresh token from the password grant.
  const res = await fetch(registry.realm, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'alice',
      password: 'alice-pw',
      client_id: 'docker',
      service: registry.service,
    }),
  });
  refreshToken = ((await res.json()) as { refresh_token: string }).refresh_token;
  registry.clearLog();
});
afterEach(async () => {
  await registry.close();
  await sb.cleanup();
});

const grants = () => registry.log.filter((e) => e.server === 'token').map((e) => `${e.method} ${e.status}`);

describe('identity tokens through the refresh grant', () => {
  it('config.json identitytoken → POST grant_type=refresh_token → an authorised request', async () => {
    await sb.writeJson(join(sb.home, '.docker', 'config.json'), {
      auths: { [registry.host]: { auth: Buffer.from('alice:').toString('base64'), identitytoken: refreshToken } },
    });
    const authFetch = createAuthFetch({ credentials: dockerCredentials({ env: sb.env }) });
    const res = await authFetch(`${registry.url}/v2/team/app/tags/list`);
    expect(res.status).toBe(404); // authorised: the repository simply has no tags
    expect(grants()).toEqual(['POST 200']);
    expect(registry.counts()).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 1 });
  });

  it('a credential helper answering Username "<token>" is used the same way', async () => {
    const helper = join(sb.bin, 'docker-credential-fake');
    await writeFile(
      helper,
      `#!/bin/sh\ncat >/dev/null\necho '{"ServerURL":"${registry.host}","Username":"<token>","Secret":"${refreshToken}"}'\n`,
    );
    await chmod(helper, 0o755);
    await sb.writeJson(join(sb.home, '.docker', 'config.json'), { credsStore: 'fake' });
    const authFetch = createAuthFetch({ credentials: dockerCredentials({ env: sb.env }) });
    expect((await authFetch(`${registry.url}/v2/team/app/tags/list`)).status).toBe(404);
    expect(grants()).toEqual(['POST 200']);
  });

  it('a revoked identity token ends in a typed error, not a loop', async () => {
    await sb.writeJson(join(sb.home, '.docker', 'config.json'), {
      auths: { [registry.host]: { identitytoken: 'not-a-known-token' } },
    });
    const authFetch = createAuthFetch({ credentials: dockerCredentials({ env: sb.env }) });
    await expect(authFetch(`${registry.url}/v2/team/app/tags/list`)).rejects.toMatchObject({ code: 'TOKEN_DENIED' });
    // the POST is refused (400 invalid_grant), the GET fallback with the token as Basic password too (401)
    expect(grants()).toEqual(['POST 400', 'GET 401']);
  });
});
