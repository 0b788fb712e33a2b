// A token the registry rejects as invalid is never sent again; the retry waits for a token obtained after the
// rejection, fetched once for every request that met it; a caller sees the 401 only when that one fails too.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch } from '../../src/index.ts';
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

/** A token server issuing tok-1, tok-2, … (300 s), and a registry that accepts the tokens in `valid` when it answers. */
function registry(valid: Set<string>, gates = new Map<string, Gate>()) {
  let issued = 0;
  server.use(
    http.get(REALM, () => HttpResponse.json({ token: `tok-${++issued}`, expires_in: 300 })),
    http.get(`${REGISTRY}/v2/*`, async ({ request }) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
      const held = token === undefined ? undefined : gates.get(token);
      if (held) {
        if (held.once) gates.delete(token!);
        held.arrived++;
        await held.opened;
      }
      if (token && valid.has(token)) return new HttpResponse('ok');
      return new HttpResponse(null, { status: 401, headers: { 'www-authenticate': challenge(token ? 'invalid_token' : undefined) } });
    }),
  );
  return { issued: () => issued };
}

/** The bearer token of each manifest request, in order. */
const sentTokens = () => recorded.filter((r) => r.url === manifest).map((r) => r.headers.authorization?.replace(/^Bearer /, '') ?? '-');

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
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
