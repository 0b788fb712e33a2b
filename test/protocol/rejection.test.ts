// A token the registry rejects as invalid is never sent again; the retry waits for a token obtained after the
// rejection, fetched once for every request that met it; a caller sees the 401 only when that one fails too.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch, MemoryTokenCache } from '../../src/index.ts';
import type { AuthEvent } from '../../src/index.ts';
import { REALM, REGISTRY, SERVICE } from '../support/fake-registry.ts';
import { bearer, recorded, server, trace, useMsw } from '../support/msw.ts';

useMsw();

const manifest = `${REGISTRY}/v2/team/app/manifests/latest`;
const tokenUrl = `${REALM}?service=${SERVICE}&scope=repository%3Ateam%2Fapp%3Apull`;
const challenge = (error?: string) =>
  bearer({ realm: REALM, service: SERVICE, scope: 'repository:team/app:pull', ...(error ? { error } : {}) });

/** Holds the registry's answers to requests carrying one token until opened. */
interface Gate {
  /** Holds only the first request that carries the token. */
  once: boolean;
  arrived: number;
  open: () => void;
  opened: Promise<void>;
}
function gate(once = true): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { once, arrived: 0, open, opened };
}

/**
 * A token server issuing tok-1, tok-2, … (300 s), and a registry that accepts the tokens in `valid` when it answers.
 * `gates` hold the registry's answers to requests carrying a token; `tokenGates` hold the realm's answer to its n-th
 * token request (tok-n).
 */
function registry(valid: Set<string>, gates = new Map<string, Gate>(), tokenGates = new Map<number, Gate>()) {
  let issued = 0;
  server.use(
    http.get(REALM, async () => {
      const n = ++issued;
      const held = tokenGates.get(n);
      if (held) {
        held.arrived++;
        await held.opened;
      }
      return HttpResponse.json({ token: `tok-${n}`, expires_in: 300 });
    }),
    http.get(`${REGISTRY}/v2/*`, async ({ request }) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
      const held = token === undefined ? undefined : gates.get(token);
      if (held) {
        if (held.once) gates.delete(token!);
        held.arrived++;
        await held.opened;
      }
      if (token && valid.has(token)) return new HttpResponse('ok');
      return new HttpResponse(null, {
        status: 401,
        headers: { 'www-authenticate': challenge(token ? 'invalid_token' : undefined) },
      });
    }),
  );
  return { issued: () => issued };
}

/** The bearer token of each manifest request, in order. */
const sentTokens = () =>
  recorded.filter((r) => r.url === manifest).map((r) => r.headers.authorization?.replace(/^Bearer /, '') ?? '-');

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}

/**
 * An auth fetch on `registry()` whose clock the test sets (`time.now`, 0 at first), once it has fetched tok-1 and
 * used it; the registry accepts the tokens in `valid`.
 */
async function afterTok1(valid: string[], extra: { now?: number; onEvent?: (e: AuthEvent) => void } = {}) {
  const time = { now: extra.now ?? 0 };
  const setup = { valid: new Set(valid), gates: new Map<string, Gate>(), tokenGates: new Map<number, Gate>() };
  const { issued } = registry(setup.valid, setup.gates, setup.tokenGates);
  const authFetch = createAuthFetch({ now: () => time.now, ...(extra.onEvent && { onEvent: extra.onEvent }) });
  expect((await authFetch(manifest)).status).toBe(200); // 401, tok-1, retry
  return { ...setup, time, issued, authFetch };
}

/** Holds `gates`' next arrival under `key` (a token at the registry, a request number at the realm): `start` causes it. */
async function hold<K, T>(gates: Map<K, Gate>, key: K, start: () => T): Promise<{ started: T; open: () => void }> {
  const held = gate();
  gates.set(key, held);
  const started = start();
  await until(() => held.arrived === 1);
  return { started, open: held.open };
}

describe('a token the registry rejects', () => {
  it('is not replaced by a token cached before the rejection: the retry uses one obtained after it', async () => {
    let clock = 0;
    const valid = new Set(['tok-1', 'tok-3', 'tok-4']); // tok-2 shares tok-1's fate (same whole-second exp)
    const gates = new Map<string, Gate>();
    const { issued } = registry(valid, gates);
    const authFetch = createAuthFetch({ now: () => clock });
    expect((await authFetch(manifest)).status).toBe(200); // 401, tok-1, retry

    const b = gate();
    gates.set('tok-1', b);
    const late = authFetch(manifest); // leaves with tok-1 and is held
    await until(() => b.arrived === 1);
    clock = 299_000; // tok-1 is past its margin: the next request fetches tok-2
    const c = gate();
    gates.set('tok-2', c);
    const other = authFetch(manifest);
    await until(() => c.arrived === 1);

    // The registry rejects tok-1. tok-2 was obtained before that: the retry fetches tok-3.
    valid.delete('tok-1');
    clock = 299_001;
    b.open();
    expect((await late).status).toBe(200);
    // tok-2 is rejected in turn; tok-3 was obtained before that rejection: tok-4.
    clock = 299_002;
    c.open();
    expect((await other).status).toBe(200);
    expect(sentTokens()).toEqual(['-', 'tok-1', 'tok-1', 'tok-2', 'tok-3', 'tok-4']);
    expect(issued()).toBe(4);
  });

  it('is never sent again, by any request, and concurrent requests that met it share one new token', async () => {
    const valid = new Set(['tok-1']);
    const gates = new Map<string, Gate>();
    const { issued } = registry(valid, gates);
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest)).status).toBe(200); // 401, tok-1, retry
    recorded.length = 0;
    // Five requests leave with tok-1; the registry revokes it before answering any of them.
    const held = gate(false);
    gates.set('tok-1', held);
    const all = Array.from({ length: 5 }, () => authFetch(manifest));
    await until(() => held.arrived === 5);
    valid.delete('tok-1');
    valid.add('tok-2');
    held.open();
    expect((await Promise.all(all)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(recorded.filter((r) => r.url.startsWith(REALM)).map((r) => r.url)).toEqual([tokenUrl]);
    expect(sentTokens()).toEqual([...Array(5).fill('tok-1'), ...Array(5).fill('tok-2')]);
    expect(issued()).toBe(2);
    // A later request uses tok-2 straight away.
    recorded.length = 0;
    expect((await authFetch(manifest)).status).toBe(200);
    expect(trace()).toEqual([`GET ${manifest} Bearer`]);
    expect(sentTokens()).toEqual(['tok-2']);
  });

  it('a token obtained in the very millisecond of the rejection serves a later retry; a late 401 for the old token does not drop it', async () => {
    // The clock never moves: the rejection and the token fetched after it share their millisecond.
    const { valid, gates, issued, authFetch } = await afterTok1(['tok-1'], { now: 1_000_000 });
    const late = await hold(gates, 'tok-1', () => authFetch(manifest)); // leaves with tok-1 and is held
    // The registry revokes tok-1: the next request meets the rejection, and its retry fetches tok-2.
    valid.delete('tok-1');
    valid.add('tok-2');
    expect((await authFetch(manifest)).status).toBe(200);
    // The held request's 401 arrives now: its retry takes the cached tok-2, and tok-2 stays cached.
    late.open();
    expect((await late.started).status).toBe(200);
    expect((await authFetch(manifest)).status).toBe(200);
    expect(sentTokens()).toEqual(['-', 'tok-1', 'tok-1', 'tok-1', 'tok-2', 'tok-2', 'tok-2']);
    expect(issued()).toBe(2);
  });

  it('the retry does not wait for a fetch asked before the rejection, and that older token does not replace the newer one', async () => {
    const { valid, gates, tokenGates, time, issued, authFetch } = await afterTok1(['tok-1', 'tok-2', 'tok-3']);
    const late = await hold(gates, 'tok-1', () => authFetch(manifest)); // leaves with tok-1 (obtained at 0) and is held
    time.now = 299_000; // tok-1 is within its margin: the next request asks for tok-2, whose answer is held
    const other = await hold(tokenGates, 2, () => authFetch(manifest));
    // The registry rejects tok-1 at 299 001: the retry asks for a token of its own (tok-3) rather than wait for tok-2.
    valid.delete('tok-1');
    time.now = 299_001;
    late.open();
    await until(() => issued() === 3);
    expect((await late.started).status).toBe(200);
    // tok-2 arrives last: older than tok-3, it does not replace it in the cache.
    other.open();
    expect((await other.started).status).toBe(200);
    expect((await authFetch(manifest)).status).toBe(200);
    expect(sentTokens()).toEqual(['-', 'tok-1', 'tok-1', 'tok-3', 'tok-2', 'tok-3']);
    expect(issued()).toBe(3);
  });

  it('a fetch that ends while a newer one is in flight leaves the newer one to be shared by later retries', async () => {
    let challenges = 0;
    const onEvent = (e: AuthEvent) => void (e.type === 'challenge' && challenges++);
    const { valid, gates, tokenGates, time, issued, authFetch } = await afterTok1(['tok-1', 'tok-2', 'tok-3'], {
      onEvent,
    });
    // Two requests leave with tok-1, each held on its own.
    const a = await hold(gates, 'tok-1', () => authFetch(manifest));
    const b = await hold(gates, 'tok-1', () => authFetch(manifest));
    time.now = 299_000; // tok-1 is within its margin: another request asks for tok-2 (held)
    const other = await hold(tokenGates, 2, () => authFetch(manifest));
    // tok-1 is rejected at 299 001: a's retry asks for tok-3 (held too).
    valid.delete('tok-1');
    time.now = 299_001;
    const newer = await hold(tokenGates, 3, () => a.open());
    // tok-2 arrives while tok-3 is still awaited.
    other.open();
    expect((await other.started).status).toBe(200);
    // b meets the rejection now: its retry joins the fetch of tok-3 (tok-2 was asked before the rejection).
    b.open();
    await until(() => challenges === 3);
    await new Promise((resolve) => setImmediate(resolve)); // b's retry reaches the token manager (no I/O on the way)
    newer.open();
    expect((await a.started).status).toBe(200);
    expect((await b.started).status).toBe(200);
    expect(sentTokens()).toEqual(['-', 'tok-1', 'tok-1', 'tok-1', 'tok-2', 'tok-3', 'tok-3']);
    expect(issued()).toBe(3);
  });

  it('is dropped from a shared cache: another auth fetch on the same cache never sends it', async () => {
    const valid = new Set(['tok-1']);
    registry(valid);
    const cache = new MemoryTokenCache();
    const one = createAuthFetch({ cache, tokenRetries: 0 });
    const two = createAuthFetch({ cache, tokenRetries: 0 });
    expect((await one(manifest)).status).toBe(200); // tok-1, cached
    expect((await two(manifest)).status).toBe(200); // tok-1, from the shared cache
    // The registry revokes tok-1 and the token endpoint goes down: `one` meets the rejection and cannot replace it.
    valid.delete('tok-1');
    server.use(http.get(REALM, () => new HttpResponse('down', { status: 503 })));
    await expect(one(manifest)).rejects.toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 503 });
    recorded.length = 0;
    // `two` never met the rejection, but the cache no longer holds tok-1: it asks the realm.
    await expect(two(manifest)).rejects.toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 503 });
    expect(trace()).toEqual([`GET ${tokenUrl}`]);
  });

  it('reaches the caller as a 401 only when the token fetched after the rejection is rejected too: once, no loop', async () => {
    const valid = new Set(['tok-1']);
    const { issued } = registry(valid);
    const authFetch = createAuthFetch();
    expect((await authFetch(manifest)).status).toBe(200);
    valid.clear(); // the registry now rejects every token
    recorded.length = 0;
    const res = await authFetch(manifest);
    expect(res.status).toBe(401);
    expect(trace()).toEqual([`GET ${manifest} Bearer`, `GET ${tokenUrl}`, `GET ${manifest} Bearer`]);
    expect(sentTokens()).toEqual(['tok-1', 'tok-2']);
    expect(issued()).toBe(2);
  });
});
