// A fleet sharing one token cache: separate Node processes, each an auth fetch over Keyv + a real redis-server
// (docs/caching.md's recipe), pulling from the reference registry, which counts what reaches it. The processes run
// in turn, so every count is exact: the first pays discovery and the token, each later one a single request.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPayload, startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry } from '../../reference/registry.ts';
import { startRedis } from '../support/redis.ts';
import type { RedisServer } from '../support/redis.ts';
import { pushManifests } from '../support/seed.ts';

const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));
const ALICE = { username: 'alice', password: 'fleet-alice-secret' };
const BOB = { username: 'bob', password: 'fleet-bob-secret' };

let registry: ReferenceRegistry;
let redis: RedisServer;

beforeAll(async () => {
  [registry, redis] = await Promise.all([
    startReferenceRegistry({
      users: { [ALICE.username]: ALICE.password, [BOB.username]: BOB.password },
      repositories: {
        'team/app': { acl: { alice: ['pull', 'push'], bob: ['pull'] } },
        'team/lib': { acl: { alice: ['pull', 'push'], bob: ['pull'] } },
      },
    }),
    startRedis(),
  ]);
  await pushManifests(registry.url, ALICE, ['team/app', 'team/lib']);
});

afterAll(async () => {
  await Promise.all([registry?.close(), redis?.close()]);
});

interface WorkerResult {
  statuses: number[];
  events: Array<{ type: string; source?: string; operation?: string; error?: string }>;
}

/**
 * One process of the fleet. With `pauseAfter`, `whilePaused` runs once that request is done, then the process goes
 * on. A process that does not end by itself within 30 s fails the test (a hung cache would; a process takes well
 * under a second, a few on a machine busy with other work).
 */
function worker(
  credential: { username: string; password: string },
  repositories: string[],
  pause?: { after: number; whilePaused: () => Promise<void> },
): Promise<WorkerResult> {
  const job = { redis: redis.url, registry: registry.url, ...credential, repositories, pauseAfter: pause?.after };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', WORKER, JSON.stringify(job)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (pause && stdout === 'paused\n') {
        pause.whilePaused().then(() => child.stdin.write('go\n'), reject);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`worker ended with ${signal ?? code}:\n${stderr}\n${stdout}`));
      else resolve(JSON.parse(last) as WorkerResult);
    });
  });
}

const tokenSources = (r: WorkerResult) => r.events.filter((e) => e.type === 'token').map((e) => e.source);
const lines = () => registry.log.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`);
/** The `sub` of the bearer token each registry request carried ('' for none). */
const bearerSubjects = () =>
  registry.log
    .filter((e) => e.server === 'registry')
    .map((e) =>
      e.headers.authorization?.startsWith('Bearer ')
        ? String(decodeJwtPayload(e.headers.authorization.slice(7)).sub)
        : '',
    );
const bearerTokens = () =>
  registry.log.flatMap((e) =>
    e.headers.authorization?.startsWith('Bearer ') ? [e.headers.authorization.slice(7)] : [],
  );

// Each test starts Node processes one after another: more time than vitest's 20 s default on a loaded machine.
describe('four processes sharing Keyv + Redis', { timeout: 90_000 }, () => {
  const seen: string[] = [];

  it('the first pays discovery and the token (3 requests); each later one 1 request and no token fetch', async () => {
    registry.clearLog();
    const first = await worker(ALICE, ['team/app']);
    expect(first.statuses).toEqual([200]);
    expect(lines()).toEqual([
      'registry GET /v2/team/app/manifests/latest 401',
      'token GET /token 200',
      'registry GET /v2/team/app/manifests/latest 200',
    ]);
    expect(tokenSources(first)).toEqual(['fetched']);
    const fetched = bearerTokens();
    seen.push(...fetched);

    for (let i = 2; i <= 4; i++) {
      registry.clearLog();
      const later = await worker(ALICE, ['team/app']);
      expect(later.statuses).toEqual([200]);
      expect(registry.counts(), `process ${i}`).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
      expect(tokenSources(later)).toEqual(['cache']);
      // The very token the first process fetched.
      expect(bearerTokens()).toEqual(fetched);
      expect(later.events.filter((e) => e.type === 'cache-error')).toEqual([]);
    }
  });

  it('every key carries an expiry, and no key holds a password or a token', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = await client.keys('*');
      // What the registry taught (realm, service, scheme) and alice's token.
      expect(keys).toHaveLength(2);
      expect(keys.some((key) => key.includes(`registry\n${registry.url}`))).toBe(true);
      for (const key of keys) {
        const ttl = await client.ttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        expect(ttl, key).toBeLessThanOrEqual(3600);
        for (const secret of [ALICE.password, BOB.password, ...seen]) expect(key).not.toContain(secret);
      }
      const tokenKey = keys.find((key) => key.includes('repository:team/app:pull'))!;
      // A token lives in the store as long as the registry says it is valid (300 s here), not a second longer.
      expect(await client.ttl(tokenKey)).toBeLessThanOrEqual(300);
    } finally {
      await client.close();
    }
  });

  it('another credential on the same store gets its own token, never the first one', async () => {
    registry.clearLog();
    const bob = await worker(BOB, ['team/app']);
    expect(bob.statuses).toEqual([200]);
    // The registry is known from the store (no 401), the token is bob's own.
    expect(lines()).toEqual(['token GET /token 200', 'registry GET /v2/team/app/manifests/latest 200']);
    expect(tokenSources(bob)).toEqual(['fetched']);
    expect(bearerSubjects()).toEqual(['bob']);
    expect(seen).not.toContain(bearerTokens()[0]);
    seen.push(...bearerTokens());

    registry.clearLog();
    const alice = await worker(ALICE, ['team/app']);
    expect(registry.counts()).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
    expect(bearerSubjects()).toEqual(['alice']);
    expect(tokenSources(alice)).toEqual(['cache']);
  });

  it('Redis stopped mid-run: requests still succeed, fetching tokens, and each failure is reported', async () => {
    registry.clearLog();
    let before: ReturnType<ReferenceRegistry['counts']> | undefined;
    const result = await worker(ALICE, ['team/app', 'team/app', 'team/lib'], {
      after: 0,
      whilePaused: async () => {
        before = registry.counts();
        registry.clearLog();
        await redis.kill();
      },
    });
    // Before the stop: the shared token, 1 request.
    expect(before).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
    expect(result.statuses).toEqual([200, 200, 200]);
    // After it: the registry is known in this process's memory (no 401), but tokens live in the store only, which
    // answers nothing: each pull fetches its token, and cannot keep it.
    expect(lines()).toEqual([
      'token GET /token 200',
      'registry GET /v2/team/app/manifests/latest 200',
      'token GET /token 200',
      'registry GET /v2/team/lib/manifests/latest 200',
    ]);
    const failures = result.events.filter((e) => e.type === 'cache-error');
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((e) => e.operation))).toEqual(new Set(['get', 'set']));
    for (const failure of failures)
      for (const secret of [ALICE.password, ...seen, ...bearerTokens()]) expect(failure.error).not.toContain(secret);
    expect(result.events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('a cold process while Redis is down: the usual 3 requests, no failure, no hang', async () => {
    registry.clearLog();
    const cold = await worker(ALICE, ['team/app']);
    expect(cold.statuses).toEqual([200]);
    expect(registry.counts()).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 1 });
    expect(cold.events.some((e) => e.type === 'cache-error')).toBe(true);
  });
});
