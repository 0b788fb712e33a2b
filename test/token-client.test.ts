// tokenRequestFailure: a realm's refusal turned into the typed error, without HTTP.
import { describe, expect, it } from 'vitest';
import { TokenRequestError } from '../src/errors.ts';
import { tokenRequestFailure } from '../src/token-client.ts';

const where = 'https://auth.example/token';
const answer = (status: number, body: string, contentType = 'application/json') => ({
  status,
  headers: new Headers({ 'content-type': contentType }),
  body,
});
const asking = { where, secrets: ['s3cret', 'c2VjcmV0'] };

describe('tokenRequestFailure', () => {
  it('401 with distribution errors names the user and what the realm said, not retryable', () => {
    const error = tokenRequestFailure(
      answer(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'),
      {
        ...asking,
        credential: { username: 'alice', password: 's3cret' },
      },
    );
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({
      code: 'TOKEN_DENIED',
      status: 401,
      serverCode: 'UNAUTHORIZED',
      serverMessage: 'authentication required',
      realm: where,
      retryable: false,
    });
    expect(error.message).toBe(
      'The token endpoint https://auth.example/token refused the credentials of user "alice" (HTTP 401 UNAUTHORIZED: authentication required). ' +
        'Check the username and password or token, and that the account may access the requested scopes.',
    );
  });

  it('403 for an anonymous request, and for a refresh token without a user', () => {
    expect(tokenRequestFailure(answer(403, ''), asking).message).toContain('refused an anonymous request (HTTP 403)');
    expect(tokenRequestFailure(answer(403, ''), { ...asking, refreshToken: 'r' }).message).toContain(
      'refused the credentials (HTTP 403)',
    );
  });

  it('OAuth2 error shape, with every secret the server echoed removed', () => {
    const error = tokenRequestFailure(
      answer(400, '{"error":"invalid_grant","error_description":"bad password s3cret"}'),
      asking,
    );
    expect(error).toMatchObject({
      code: 'TOKEN_REQUEST_FAILED',
      status: 400,
      serverCode: 'invalid_grant',
      serverMessage: 'bad password [redacted]',
      retryable: false,
    });
    expect(error.message).toContain(
      'failed (HTTP 400 invalid_grant: bad password [redacted]). Check the realm and service.',
    );
  });

  it.each([429, 500, 503])('%i is retryable and says to try later', (status) => {
    const error = tokenRequestFailure(answer(status, 'busy', 'text/plain'), asking);
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status, serverMessage: 'busy', retryable: true });
    expect(error.message).toContain('It may be overloaded or down; try again later.');
  });

  it('an HTML page is named, not quoted', () => {
    expect(
      tokenRequestFailure(answer(502, '<html><body>Bad gateway</body></html>', 'text/html'), asking).serverMessage,
    ).toBe('(an HTML page)');
  });

  it('a redirect that was not followed says where to point the registry', () => {
    const error = tokenRequestFailure(answer(307, ''), asking);
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 307 });
    expect(error.message).toContain('it was not followed. Point the registry at the final token URL.');
  });
});

describe('what the realm said, in each shape token servers use', () => {
  const said = (status: number, body: string, contentType?: string) => {
    const { serverCode, serverMessage } = tokenRequestFailure(answer(status, body, contentType), asking);
    return [serverCode, serverMessage];
  };

  it('a JSON string, number or null is quoted as text, not read as an error object', () => {
    expect(said(401, '"denied"')).toEqual([undefined, '"denied"']);
    expect(said(500, '42')).toEqual([undefined, '42']);
    expect(said(500, 'null')).toEqual([undefined, 'null']);
  });

  it('a code and message are cut at 500 characters, a plain text at 200 (trimmed first)', () => {
    const long = 'x'.repeat(600);
    expect(said(400, JSON.stringify({ error: long, error_description: long }))).toEqual([
      'x'.repeat(500),
      'x'.repeat(500),
    ]);
    expect(said(500, `  ${'y'.repeat(300)}  `, 'text/plain')).toEqual([undefined, 'y'.repeat(200)]);
    expect(said(429, '  slow down \n', 'text/plain')).toEqual([undefined, 'slow down']);
  });

  it('an HTML page is named by its content type or by a body that starts with a tag, after any whitespace', () => {
    expect(said(502, '<html>Bad gateway</html>', 'text/plain')).toEqual([undefined, '(an HTML page)']);
    expect(said(502, '\n  <!DOCTYPE html><html></html>', 'text/plain')).toEqual([undefined, '(an HTML page)']);
    expect(said(502, 'Bad gateway', 'text/html; charset=utf-8')).toEqual([undefined, '(an HTML page)']);
    // A text with a `<` further in is text.
    expect(said(429, 'limit < 10 requests', 'text/plain')).toEqual([undefined, 'limit < 10 requests']);
  });

  it('a 3xx is a redirect that was not followed; another status outside 200 is a failure', () => {
    expect(tokenRequestFailure(answer(300, ''), asking).message).toContain('redirected (HTTP 300) to another origin');
    expect(tokenRequestFailure(answer(399, ''), asking).message).toContain('redirected (HTTP 399) to another origin');
    const noContent = tokenRequestFailure(answer(204, ''), asking);
    expect(noContent).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 204, retryable: false });
    expect(noContent.message).toBe(
      'The token endpoint https://auth.example/token failed (HTTP 204). Check the realm and service.',
    );
  });
});
