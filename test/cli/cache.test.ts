// The command's token cache file: calls in a row share discovery and tokens (counted by the reference registry), the
// file is private and holds no secret in its keys, expired entries go, a broken file or folder is no failure, and
// --no-cache or OCI_AUTH_FETCH_NO_CACHE turn it off.

import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST, pushManifests } from '../support/seed.ts';
import { PASSWORD, run, startFixture, USER } from './harness.ts';
import type { Fixture, RunResult } from './harness.ts';

let fx: Fixture;
let cacheHome: string;
let file: string;
let env: NodeJS.ProcessEnv;
let url: string;

beforeAll(async () => {
  fx = await startFixture();
  url = `${fx.registry.url}/v2/team/app/manifests/v1`;
  await pushManifests(fx.registry.url, { username: USER, password: PASSWORD }, ['team/app'], 'v1');
  cacheHome = join(fx.root, 'xdg-cache');
  file = join(cacheHome, 'oci-auth-fetch', 'tokens.json');
  env = { ...fx.env, XDG_CACHE_HOME: cacheHome };
});

afterAll(async () => {
  await fx?.close();
});

beforeEach(async () => {
  await rm(cacheHome, { recursive: true, force: true });
  fx.registry.clearLog();
});

/** One call, and what reached the registry for it. */
async function call(
  args: string[],
  runEnv = env,
): Promise<RunResult & { counts: ReturnType<Fixture['registry']['counts']> }> {
  fx.registry.clearLog();
  const result = await run(args, { env: runEnv, cache: true });
  return { ...result, counts: fx.registry.counts() };
}

interface CacheFile {
  version: number;
  entries: Record<string, { value: Record<string, unknown>; expires: number }>;
}
const readCache = async () => JSON.parse(await readFile(file, 'utf8')) as CacheFile;

// Several tests run the command ten times or more, a Node process each: more than vitest's 20 s default on a machine
// busy with other work.
describe('the token cache file', { timeout: 120_000 }, () => {
  it('ten calls in a row cost 3 + 9 × 1 requests', async () => {
    const perCall: number[] = [];
    for (let i = 0; i < 10; i++) {
      const result = await call([url]);
      expect(result).toMatchObject({ code: 0, stdout: MANIFEST, stderr: '' });
      perCall.push(result.counts.total);
      if (i > 0) expect(result.counts).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
    }
    expect(perCall).toEqual([3, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('is private (0600 in a 0700 folder), and its keys hold neither the password nor a token', async () => {
    expect((await call([url])).code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(cacheHome, 'oci-auth-fetch'))).mode & 0o777).toBe(0o700);
    const text = await readFile(file, 'utf8');
    const { version, entries } = JSON.parse(text) as CacheFile;
    expect(version).toBe(1);
    const keys = Object.keys(entries);
    expect(keys.sort()).toEqual([
      expect.stringMatching(
        new RegExp(`^${fx.registry.realm}\\nreference-registry\\n[0-9a-f]{32}\\nrepository:team/app:pull$`),
      ),
      `registry\n${fx.registry.url}`,
    ]);
    const [password, basic, ...tokens] = fx.secrets();
    expect(tokens).toHaveLength(1);
    for (const key of keys) for (const secret of [password!, basic!, ...tokens]) expect(key).not.toContain(secret);
    // The password appears nowhere; the token is a value (it is what the file is for).
    expect(text).not.toContain(password);
    expect(text).not.toContain(basic);
    expect(
      Object.values(entries)
        .map((e) => e.value.token)
        .filter(Boolean),
    ).toEqual(tokens);
  });

  it('keeps each token until it expires, and drops expired entries when it writes', async () => {
    const started = Date.now();
    expect((await call([url])).code).toBe(0);
    const took = Date.now() - started;
    const written = await readCache();
    const token = Object.values(written.entries).find((e) => 'token' in e.value)!;
    // Its time to live is counted from when the token was handed over: it ends when the token does, give or take the
    // moments between that and the write.
    const expiresAt = token.value.expiresAt as number;
    expect(token.expires).toBeGreaterThanOrEqual(expiresAt);
    expect(token.expires).toBeLessThanOrEqual(expiresAt + took + 1);
    const record = written.entries[`registry\n${fx.registry.url}`]!;
    expect(record.value).toEqual({
      scheme: 'bearer',
      realm: fx.registry.realm,
      service: 'reference-registry',
      actions: {},
    });
    // An expired entry of another registry, and the token made expired: gone after the next write.
    written.entries['registry\nhttps://gone.example'] = { value: { scheme: 'basic' }, expires: Date.now() - 1 };
    token.expires = Date.now() - 1;
    await writeFile(file, JSON.stringify(written));
    const next = await call([url]);
    // The registry is still known (no 401); the token is fetched again.
    expect(next.counts).toEqual({ total: 2, registry: 1, token: 1, unauthorized: 0 });
    const keys = Object.keys((await readCache()).entries);
    expect(keys).toHaveLength(2);
    expect(keys).not.toContain('registry\nhttps://gone.example');
  });

  it('--no-cache and OCI_AUTH_FETCH_NO_CACHE: 3 requests each call, and no file', async () => {
    for (const [args, runEnv] of [
      [['--no-cache', url], env],
      [['--no-cache', url], env],
      [[url], { ...env, OCI_AUTH_FETCH_NO_CACHE: '1' }],
      [['token', '--no-cache', `${fx.registry.host}/team/app`], env],
    ] as const) {
      const result = await call([...args], runEnv);
      expect(result.code, result.stderr).toBe(0);
      expect(result.counts).toEqual({ total: 3, registry: 2, token: 1, unauthorized: 1 });
    }
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is shared by the token command', async () => {
    expect((await call([url])).code).toBe(0);
    const token = await call(['token', `${fx.registry.host}/team/app`]);
    expect(token.code).toBe(0);
    expect(token.counts).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
    expect(fx.secrets()).toContain(token.stdout.trimEnd());
  });

  it('a corrupt or foreign file is an empty cache, and is replaced', async () => {
    for (const junk of [
      '{"version":1,"entr',
      '[]',
      'null',
      '{"version":2,"entries":{}}',
      '{"version":1,"entries":{"k":null,"j":{"expires":"x"}}}',
    ]) {
      await mkdir(join(cacheHome, 'oci-auth-fetch'), { recursive: true });
      await writeFile(file, junk);
      const result = await call([url]);
      expect(result.code, junk).toBe(0);
      expect(result.counts.total, junk).toBe(3);
      expect(Object.keys((await readCache()).entries), junk).toHaveLength(2);
    }
  });

  it('a folder it cannot write is no failure: the call succeeds, and -v says what failed', async () => {
    await mkdir(cacheHome, { recursive: true });
    await writeFile(join(cacheHome, 'oci-auth-fetch'), 'a file where the folder should be');
    const result = await call(['-v', url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(MANIFEST);
    expect(result.stderr).toMatch(/^\* cache-error operation=set error="Error (EEXIST|ENOTDIR)/m);
  });

  it('calls at the same time leave a whole file that both can read', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => run([url], { env, cache: true })));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const { entries } = await readCache();
    expect(Object.keys(entries)).toContain(`registry\n${fx.registry.url}`);
    // Whatever they raced to write, the next call finds the registry and a token.
    expect((await call([url])).counts).toEqual({ total: 1, registry: 1, token: 0, unauthorized: 0 });
  });
});
