// A registry that rejects valid tokens early (a stricter clock, a revocation): nothing reaches the callers, each
// rejected token costs exactly one token fetch however many requests met it, and none is sent once rejected.

import { afterEach, expect, it } from 'vitest';
import { createAuthFetch } from '../../src/index.ts';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import { PASSWORD } from '../support/secrets.ts';

let registry: ReferenceRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

it('8 workers, every token rejected after 40 uses: 0 failures, one token fetch per rejection, no rejected token resent', async () => {
  registry = await startReferenceRegistry({ users: { alice: PASSWORD } });
  const reg = registry;
  await reg.setRepository('team/app', { acl: { alice: ['*'] } });
  const seeded = await createAuthFetch({ credentials: { username: 'alice', password: PASSWORD } })(
    `${reg.url}/v2/team/app/manifests/v1`,
    {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {},
        layers: [],
      }),
    },
  );
  expect(seeded.status).toBe(201);
  reg.rejectTokensEarly(1, 40);
  reg.clearLog();

  // Every send and every rejection seen, in one order: a token sent after its rejection came back is a defect.
  let tick = 0;
  const sentAt = new Map<string, number[]>();
  const rejectedAt = new Map<string, number>();
  const bearerOf = (init?: RequestInit) => new Headers(init?.headers).get('authorization')?.replace(/^Bearer /, '');
  const authFetch = createAuthFetch({
    credentials: { username: 'alice', password: PASSWORD },
    fetch: async (input, init) => {
      const token = bearerOf(init);
      if (token) sentAt.set(token, [...(sentAt.get(token) ?? []), ++tick]);
      const response = await fetch(input, init);
      if (token && response.headers.get('www-authenticate')?.includes('invalid_token') && !rejectedAt.has(token))
        rejectedAt.set(token, ++tick);
      return response;
    },
  });
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 40; i++) {
        const res = await authFetch(`${reg.url}/v2/team/app/manifests/v1`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );

  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  const rejections = reg.earlyRejections();
  expect(rejections).toBeGreaterThanOrEqual(7); // 320 requests, 40 uses per token
  const tokenFetches = reg.log.filter((e) => e.server === 'token' && e.status === 200).length;
  expect(tokenFetches).toBe(1 + rejections);
  expect(rejectedAt.size).toBe(rejections);
  for (const [token, rejected] of rejectedAt) {
    expect(sentAt.get(token)!.filter((at) => at > rejected)).toEqual([]);
  }
});
