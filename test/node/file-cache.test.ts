// FileTokenCache and cacheDirectory: the file a cache lives in, what it holds, and where it goes per platform.

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CachedToken } from '../../src/index.ts';
import { FileTokenCache } from '../../src/node/index.ts';
import { cacheDirectory } from '../../src/node/paths.ts';

const token = (t: string): CachedToken => ({ token: t, expiresAt: 2, obtainedAt: 1, scopes: ['repository:a:pull'] });

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oci-auth-file-cache-'));
  file = join(dir, 'deeper', 'tokens.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileTokenCache', () => {
  it('keeps values across instances (processes) until their time to live is over, by its clock', async () => {
    let now = 1_000;
    const clock = () => now;
    await new FileTokenCache(file, { now: clock }).set('a', token('a'), 500);
    await new FileTokenCache(file, { now: clock }).set('registry\nhttps://r.example', { scheme: 'basic' }, 10_000);
    now = 1_499;
    expect(await new FileTokenCache(file, { now: clock }).get('a')).toEqual(token('a'));
    now = 1_500;
    const later = new FileTokenCache(file, { now: clock });
    expect(await later.get('a')).toBeUndefined();
    expect(await later.get('registry\nhttps://r.example')).toEqual({ scheme: 'basic' });
    // Written again: the expired entry is gone from the file.
    await later.set('b', token('b'), 100);
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')).entries).sort()).toEqual([
      'b',
      'registry\nhttps://r.example',
    ]);
  });

  it('creates its folder 0700 and the file 0600, and leaves no temporary file behind', async () => {
    const cache = new FileTokenCache(file);
    await cache.set('a', token('a'), 60_000);
    expect((await stat(join(dir, 'deeper'))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'deeper'))).toEqual(['tokens.json']);
  });

  it('writes of one process go one after another: none is lost', async () => {
    const cache = new FileTokenCache(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.set(`k${i}`, token(String(i)), 60_000)));
    await cache.delete('k0');
    const fresh = new FileTokenCache(file);
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => fresh.get(`k${i}`)));
    expect(values.map((v) => v?.token)).toEqual([undefined, ...Array.from({ length: 19 }, (_, i) => String(i + 1))]);
  });

  it('keeps what another process wrote since it last read the file', async () => {
    const mine = new FileTokenCache(file);
    const theirs = new FileTokenCache(file);
    expect(await mine.get('x')).toBeUndefined(); // mine has read the (missing) file
    await theirs.set('theirs', token('t'), 60_000);
    await mine.set('mine', token('m'), 60_000);
    const fresh = new FileTokenCache(file);
    expect([(await fresh.get('theirs'))?.token, (await fresh.get('mine'))?.token]).toEqual(['t', 'm']);
  });

  it('a missing, unreadable or foreign file is an empty cache; clear() empties it', async () => {
    expect(await new FileTokenCache(join(dir, 'none.json')).get('a')).toBeUndefined();
    await writeFile(join(dir, 'junk.json'), '\u0000\u0001 not json');
    expect(await new FileTokenCache(join(dir, 'junk.json')).get('a')).toBeUndefined();
    expect(await new FileTokenCache(dir).get('a')).toBeUndefined(); // a folder
    const cache = new FileTokenCache(file);
    await cache.set('a', token('a'), 60_000);
    await cache.clear();
    expect(await new FileTokenCache(file).get('a')).toBeUndefined();
  });

  it('a file it cannot write rejects the write (the auth fetch reports it and goes on)', async () => {
    await writeFile(join(dir, 'deeper'), 'a file where the folder should be');
    await expect(new FileTokenCache(file).set('a', token('a'), 1000)).rejects.toMatchObject({
      code: expect.stringMatching(/EEXIST|ENOTDIR/),
    });
  });
});

describe('cacheDirectory', () => {
  it("is $XDG_CACHE_HOME when absolute, else the platform's own", () => {
    expect(cacheDirectory({ HOME: '/home/u', XDG_CACHE_HOME: '/x/cache' }, 'linux')).toBe('/x/cache');
    expect(cacheDirectory({ HOME: '/home/u', XDG_CACHE_HOME: 'relative' }, 'linux')).toBe('/home/u/.cache');
    expect(cacheDirectory({ HOME: '/home/u', XDG_CACHE_HOME: '' }, 'linux')).toBe('/home/u/.cache');
    expect(cacheDirectory({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Caches');
    expect(cacheDirectory({ HOME: '/Users/u', XDG_CACHE_HOME: '/x/cache' }, 'darwin')).toBe('/x/cache');
    expect(cacheDirectory({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local', USERPROFILE: 'C:\\Users\\u' }, 'win32')).toBe(
      'C:\\Users\\u\\AppData\\Local',
    );
    expect(cacheDirectory({ HOME: '/home/u' }, 'win32')).toBe(join('/home/u', 'AppData', 'Local'));
  });
});
