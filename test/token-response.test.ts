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
    expect(parse({ token: 't', expires_in: 300, issued_at: issued }).expiresAt).toBe(
      Date.parse('2026-06-01T11:59:00.123Z') + 300_000,
    );
    expect(parse({ token: 't', expires_in: 300, issued_at: '2026-06-01T11:59:30Z' }).expiresAt).toBe(
      Date.parse('2026-06-01T11:59:30Z') + 300_000,
    );
  });

  it('ignores an issued_at that is not sane (wrong clock, django-oci local time with Z, garbage)', () => {
    for (const issued_at of ['2026-06-01T07:00:00Z', '2026-06-01T17:00:00Z', 'yesterday', 12345]) {
      expect(parse({ token: 't', expires_in: 600, issued_at }).expiresAt).toBe(ctx.startedAt + 600_000);
    }
    // a little ahead of our clock: our own start is the conservative choice
    expect(parse({ token: 't', expires_in: 60, issued_at: '2026-06-01T12:00:30Z' }).expiresAt).toBe(
      ctx.startedAt + 60_000,
    );
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
    expect(parse({ token: 't', scope: 'repository:a/b:push repository:a/b:pull' }).scopes).toEqual([
      'repository:a/b:pull,push',
    ]);
    const jwt = fakeJwt({
      access: [
        { type: 'repository', name: 'a/b', actions: ['pull'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ],
    });
    expect(parse({ token: jwt }).scopes).toEqual(['registry:catalog:*', 'repository:a/b:pull']);
    expect(parse({ token: fakeJwt({ access: [] }) }).scopes).toEqual([]);
    expect(parse({ token: 'opaque' }).scopes).toEqual(['repository:a/b:pull']);
  });

  it('an expires_in of 1e999 (Infinity once parsed) counts as absent: 60 s, never forever', () => {
    for (const body of [
      '{"token":"t","expires_in":1e999}',
      '{"token":"t","expires_in":"1e999"}',
      '{"token":"t","expires_in":"Infinity"}',
    ]) {
      expect(parseTokenResponse(body, ctx).expiresAt).toBe(ctx.startedAt + 60_000);
    }
    // The largest finite lifetime is honoured as sent.
    expect(parse({ token: 't', expires_in: 1e9 }).expiresAt).toBe(ctx.startedAt + 1e12);
    expect(parse({ token: 't', expires_in: ' 7 ' }).expiresAt).toBe(ctx.startedAt + 7_000);
    expect(parse({ token: 't', expires_in: '   ' }).expiresAt).toBe(ctx.startedAt + 60_000);
    expect(parse({ token: 't', expires_in: true }).expiresAt).toBe(ctx.startedAt + 60_000);
    expect(parse({ token: 't', expires_in: 0.5 }).expiresAt).toBe(ctx.startedAt + 500);
  });

  it('JSON that is not an object (null, a number, a string, an array, a boolean) is TOKEN_RESPONSE_INVALID', () => {
    for (const body of ['null', '42', '"tok"', '[{"token":"t"}]', 'true']) {
      expect(() => parseTokenResponse(body, ctx)).toThrow(
        expect.objectContaining({
          name: 'TokenResponseError',
          code: 'TOKEN_RESPONSE_INVALID',
          realm: ctx.realm,
          message:
            'The token endpoint https://auth.test/token answered 200 with JSON that is not an object; expected {"token": …} or {"access_token": …}.',
        }),
      );
    }
  });

  it('says what is wrong with the body: not JSON, no token field, an empty or non-string token', () => {
    const message = (body: string) => {
      try {
        parseTokenResponse(body, ctx);
      } catch (e) {
        return (e as Error).message.replace('The token endpoint https://auth.test/token answered 200 with ', '');
      }
      return 'no error';
    };
    expect(message('<html>')).toBe(
      'a body that is not JSON; check that the realm points at the token service, not a login page or proxy.',
    );
    expect(message('{}')).toBe(
      'no `token` or `access_token` field; the server may not implement the docker token protocol at this URL.',
    );
    expect(message('{"token":""}')).toBe(
      '`token`/`access_token` empty or not a string; the server may not implement the docker token protocol at this URL.',
    );
    expect(message('{"access_token":7}')).toBe(
      '`token`/`access_token` empty or not a string; the server may not implement the docker token protocol at this URL.',
    );
    // An empty access_token falls back to token.
    expect(parse({ access_token: '', token: 'fallback' }).token).toBe('fallback');
  });

  it('reads only well-formed entries of a JWT access claim', () => {
    const scopesOf = (access: unknown) => parse({ token: fakeJwt({ access }) }).scopes;
    // Not an array: no claim, so what was asked counts as granted.
    for (const access of [
      undefined,
      null,
      'repository:x:pull',
      { type: 'repository', name: 'x', actions: ['pull'] },
      7,
    ]) {
      expect(scopesOf(access)).toEqual(['repository:a/b:pull']);
    }
    // Malformed entries are skipped; the well-formed one is kept.
    const good = { type: 'repository', name: 'ok/repo', actions: ['pull'] };
    expect(
      scopesOf([
        null,
        7,
        'repository:x:pull',
        { type: 1, name: 'x', actions: ['pull'] },
        { type: 'repository', name: ['x'], actions: ['pull'] },
        { type: 'repository', actions: ['pull'] },
        { type: 'repository', name: 'x', actions: 'pull' },
        { type: 'repository', name: 'x', actions: [] },
        { type: 'repository', name: 'x', actions: [1, null] },
        good,
      ]),
    ).toEqual(['repository:ok/repo:pull']);
    // Non-string actions are dropped from an entry that has string ones; entries of one resource merge.
    expect(
      scopesOf([
        { type: 'repository', name: 'ok/repo', actions: [1, 'push', null] },
        { type: 'repository', name: 'ok/repo', actions: ['pull'] },
      ]),
    ).toEqual(['repository:ok/repo:pull,push']);
    // Several actions in one entry.
    expect(scopesOf([{ type: 'repository', name: 'ok/repo', actions: ['push', 'pull'] }])).toEqual([
      'repository:ok/repo:pull,push',
    ]);
    // A claim whose every entry is malformed grants nothing (it is not what was asked).
    expect(scopesOf([{ type: 'repository', name: 'x', actions: [] }])).toEqual([]);
    // An OAuth scope wins over the claim; an empty scope does not.
    expect(parse({ token: fakeJwt({ access: [good] }), scope: 'repository:s/s:pull' }).scopes).toEqual([
      'repository:s/s:pull',
    ]);
    expect(parse({ token: fakeJwt({ access: [good] }), scope: '' }).scopes).toEqual(['repository:ok/repo:pull']);
  });

  it('a JWT exp that is not a number is ignored, and a token that is not a JWT is opaque', () => {
    expect(parse({ token: fakeJwt({ exp: String(now / 1000 + 5) }), expires_in: 300 }).expiresAt).toBe(
      ctx.startedAt + 300_000,
    );
    expect(parse({ token: 'a.b.c', expires_in: 300 }).expiresAt).toBe(ctx.startedAt + 300_000);
    expect(parse({ token: 'a.b.c', expires_in: 300 }).scopes).toEqual(['repository:a/b:pull']);
  });

  it('obtainedAt is when the request was sent, whatever issued_at says', () => {
    const issued = new Date(now - 10_000).toISOString();
    const result = parse({ token: 't', expires_in: 60, issued_at: issued });
    expect(result.obtainedAt).toBe(ctx.startedAt);
    expect(result.expiresAt).toBe(now - 10_000 + 60_000);
  });

  it('boundaries: an issued_at exactly one lifetime ago is sane, a JWT exp exactly now is not', () => {
    // issued_at = now - lifetime: the token started then, and ends now.
    expect(parse({ token: 't', expires_in: 60, issued_at: new Date(now - 60_000).toISOString() }).expiresAt).toBe(now);
    // A millisecond earlier is a wrong clock: the life starts when the request was sent.
    expect(parse({ token: 't', expires_in: 60, issued_at: new Date(now - 60_001).toISOString() }).expiresAt).toBe(
      ctx.startedAt + 60_000,
    );
    // exp == now (whole seconds): already past by our clock, ignored.
    expect(parse({ token: fakeJwt({ exp: now / 1000 }), expires_in: 60 }).expiresAt).toBe(ctx.startedAt + 60_000);
    expect(parse({ token: fakeJwt({ exp: now / 1000 + 1 }), expires_in: 60 }).expiresAt).toBe(now + 1_000);
  });

  it('keeps a refresh token', () => {
    expect(parse({ token: 't', refresh_token: 'r' }).refreshToken).toBe('r');
    expect(parse({ token: 't' }).refreshToken).toBeUndefined();
    expect('refreshToken' in parse({ token: 't', refresh_token: '' })).toBe(false);
    expect('refreshToken' in parse({ token: 't', refresh_token: 5 })).toBe(false);
  });
});
