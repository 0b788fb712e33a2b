// src/store.ts: what reaches the cache (keys, values, times to live) and what a failing or hanging cache becomes.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthEvent, CachedToken, TokenCache } from '../src/index.ts';
import { createStore, REGISTRY_TTL_MS } from '../src/store.ts';

const token: CachedToken = { token: 'tok', expiresAt: 2_000, obtainedAt: 1_000, scopes: ['repository:a:pull'] };

function recording(cache: Partial<TokenCache> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const events: AuthEvent[] = [];
  const full: TokenCache = {
    get: (key) => {
      calls.push(['get', key]);
      return cache.get?.(key);
    },
    set: (key, value, ttl) => {
      calls.push(['set', key, value, ttl]);
      return cache.set?.(key, value, ttl);
    },
    delete: (key) => {
      calls.push(['delete', key]);
      return cache.delete?.(key);
    },
  };
  return { calls, events, store: createStore(full, (e) => events.push(e), 1000) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createStore', () => {
  it('hands the cache a whole number of milliseconds, at least 1', async () => {
    const { calls, store } = recording();
    await store.set('k', token, 1500.2);
    await store.set('k', token, 0);
    await store.set('k', token, -5);
    expect(calls.map((c) => c[3])).toEqual([1501, 1, 1]);
  });

  it('keeps a registry record under registry\\n<origin> for an hour, and reads it back as stored', async () => {
    const map = new Map<string, unknown>();
    const { calls, store } = recording({ get: (k) => map.get(k), set: (k, v) => void map.set(k, v) });
    const record = {
      scheme: 'bearer' as const,
      realm: 'https://auth.example/token',
      service: 'svc',
      actions: { GET: ['push'] },
    };
    await store.learnt('https://r.example', record);
    expect(calls).toEqual([['set', 'registry\nhttps://r.example', record, 3_600_000]]);
    expect(REGISTRY_TTL_MS).toBe(3_600_000);
    expect(await store.registry('https://r.example')).toEqual(record);
    expect(await store.registry('https://other.example')).toBeUndefined();
  });

  it('returns a token only when what is stored could travel as one', async () => {
    const values: unknown[] = [
      token,
      { ...token, token: 'a b' },
      { ...token, token: 'x\r\ny' },
      { ...token, token: 5 },
      { token: '' },
      'tok',
      null,
      42,
    ];
    const { store } = recording({ get: (k) => values[Number(k)] });
    const got = await Promise.all(values.map((_, i) => store.get(String(i))));
    expect(got).toEqual([token, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('a cache that throws or rejects is a miss, reported once per call with its error', async () => {
    const boom = new Error('ECONNREFUSED 127.0.0.1:6379');
    const { events, store } = recording({
      get: () => {
        throw boom;
      },
      set: () => Promise.reject(boom),
      delete: () => Promise.reject('a string'),
    });
    expect(await store.get('k')).toBeUndefined();
    expect(await store.registry('https://r.example')).toBeUndefined();
    expect(await store.set('k', token, 1000)).toBeUndefined();
    expect(await store.delete('k')).toBeUndefined();
    expect(events).toEqual([
      { type: 'cache-error', operation: 'get', error: boom },
      { type: 'cache-error', operation: 'get', error: boom },
      { type: 'cache-error', operation: 'set', error: boom },
      { type: 'cache-error', operation: 'delete', error: new Error('a string') },
    ]);
  });

  it('a set answered with false (Keyv with errors swallowed) is reported; other answers are not', async () => {
    const answers: unknown[] = [false, true, undefined, new Map()];
    const { events, store } = recording({ set: () => Promise.resolve(answers.shift()) });
    for (let i = 0; i < 4; i++) await store.set('k', token, 1000);
    expect(events.map((e) => e.type === 'cache-error' && e.error.message)).toEqual([
      'The token cache answered set with false',
    ]);
    // A delete that finds nothing answers false in Keyv: not a failure.
    const { events: none, store: deleting } = recording({ delete: () => Promise.resolve(false) });
    await deleting.delete('k');
    expect(none).toEqual([]);
  });

  it('a cache that never answers is given up after the timeout: a miss, reported, and no timer left behind', async () => {
    vi.useFakeTimers();
    const { events, store } = recording({ get: () => new Promise(() => {}), set: () => new Promise(() => {}) });
    const got = store.get('k');
    const set = store.set('k', token, 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await got).toBeUndefined();
    expect(await set).toBeUndefined();
    expect(events.map((e) => e.type === 'cache-error' && `${e.operation}: ${e.error.message}`)).toEqual([
      'get: The token cache did not answer get within 1000 ms',
      'set: The token cache did not answer set within 1000 ms',
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an answer in time clears its timer; a synchronous cache never starts one', async () => {
    vi.useFakeTimers();
    const { events, store } = recording({ get: () => Promise.resolve(token), set: () => undefined });
    expect(await store.get('k')).toEqual(token);
    await store.set('k', token, 1);
    expect(vi.getTimerCount()).toBe(0);
    expect(events).toEqual([]);
  });
});
