// Expiry and grant arithmetic of token responses.

import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPIRES_IN_SEC, parseTokenResponse } from '../src/token-response.ts';
import { fakeJwt } from './support/msw.ts';

const now = Date.parse('2026-06-01T12:00:00Z');
const ctx = { realm: 'https://auth.test/token', requestedScopes: ['repository:a/b:pull'], startedAt: now - 100, now };
const parse = (body: unknown) => parseTokenResponse(JSON.stringify(body), ctx);

describe('parseTokenResponse', () => {
  it('defaults to 60 s when expires_in is absent, zero, negative or garbage', () => {
    expect(DEFAULT_EXPIRES_IN_SEC).toBe(60);
    for (const expires_in of [undefined, 0, -5, 'soon', '', null]) {
      expect(parse({ token: 't', expires_in }).expiresAt).toBe(ctx.startedAt + 60_000);
    }
  });

  it('honours a positive expires_in as sent, numbers and numeric strings', () => {
    expect(parse({ token: 't', expires_in: 5 }).expiresAt).toBe(ctx.startedAt + 5_000);
    expect(parse({ token: 't', expires_in: '300' }).expiresAt).toBe(ctx.startedAt + 300_000);
    expect(parse({ token: 't', expires_in: 1.5 }).expiresAt).toBe(ctx.startedAt + 1_500);
  });

  it('uses a sane issued_at (any fractional digits) to start the life earlier', () => {
    const issued = '2026-06-01T11:59:00.123456789Z'; // a server handing out a token it issued a minute ago
    expect(parse({ token: 't', expires_in: 300, issued_at: issued }).expiresAt).toBe(Date.parse('2026-06-01T11:59:00.123Z') + 300_000);
    expect(parse({ token: 't', expires_in: 300, issued_at: '2026-06-01T11:59:30Z' }).expiresAt).toBe(
      Date.parse('2026-06-01T11:59:30Z') + 300_000,
    );
  });

  it('ignores an issued_at that is not sane (wrong clock, django-oci local time with Z, garbage)', () => {
    for (const issued_at of ['2026-06-01T07:00:00Z', '2026-06-01T17:00:00Z', 'yesterday', 12345]) {
      expect(parse({ token: 't', expires_in: 600, issued_at }).expiresAt).toBe(ctx.startedAt + 600_000);
    }
    // a little ahead of our clock: our own start is the conservative choice
    expect(parse({ token: 't', expires_in: 60, issued_at: '2026-06-01T12:00:30Z' }).expiresAt).toBe(ctx.startedAt + 60_000);
  });

  it("bounds the lifetime by a JWT's exp", () => {
    const token = fakeJwt({ exp: Math.floor(now / 1000) + 20 });
    expect(parse({ token }).expiresAt).toBe(Math.floor(now / 1000) * 1000 + 20_000);
    // exp further than 60 s away does not extend the default
    expect(parse({ token: fakeJwt({ exp: Math.floor(now / 1000) + 3600 }) }).expiresAt).toBe(ctx.startedAt + 60_000);
    // an exp already past by our clock is a clock problem: keep the default
    expect(parse({ token: fakeJwt({ exp: Math.floor(now / 1000) - 10 }) }).expiresAt).toBe(ctx.startedAt + 60_000);
    // with expires_in present too: the earlier of the two (exp has whole seconds; the registry checks it)
    expect(parse({ token, expires_in: 300 }).expiresAt).toBe(Math.floor(now / 1000) * 1000 + 20_000);
    expect(parse({ token, expires_in: 5 }).expiresAt).toBe(ctx.startedAt + 5_000);
  });

  it('prefers access_token over token when both differ', () => {
    expect(parse({ token: 'old', access_token: 'new' }).token).toBe('new');
    expect(parse({ token: 'only' }).token).toBe('only');
    expect(parse({ access_token: 'only' }).token).toBe('only');
  });

  it('reads the granted scopes from OAuth scope, else the JWT access claim, else what was asked', () => {
    expect(parse({ token: 't', scope: 'repository:a/b:push repository:a/b:pull' }).scopes).toEqual(['repository:a/b:pull,push']);
    const jwt = fakeJwt({ access: [{ type: 'repository', name: 'a/b', actions: ['pull'] }, { type: 'registry', name: 'catalog', actions: ['*'] }] });
    expect(parse({ token: jwt }).scopes).toEqual(['registry:catalog:*', 'repository:a/b:pull']);
    expect(parse({ token: fakeJwt({ access: [] }) }).scopes).toEqual([]);
    expect(parse({ token: 'opaque' }).scopes).toEqual(['repository:a/b:pull']);
  });

  it('keeps a refresh token', () => {
    expect(parse({ token: 't', refresh_token: 'r' }).refreshToken).toBe('r');
    expect(parse({ token: 't' }).refreshToken).toBeUndefined();
  });
});
