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
    const error = tokenRequestFailure(answer(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'), {
      ...asking,
      credential: { username: 'alice', password: 's3cret' },
    });
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'TOKEN_DENIED', status: 401, serverCode: 'UNAUTHORIZED', serverMessage: 'authentication required', realm: where, retryable: false });
    expect(error.message).toBe(
      'The token endpoint https://auth.example/token refused the credentials of user "alice" (HTTP 401 UNAUTHORIZED: authentication required). ' +
        'Check the username and password or token, and that the account may access the requested scopes.',
    );
  });

  it('403 for an anonymous request, and for a refresh token without a user', () => {
    expect(tokenRequestFailure(answer(403, ''), asking).message).toContain('refused an anonymous request (HTTP 403)');
    expect(tokenRequestFailure(answer(403, ''), { ...asking, refreshToken: 'r' }).message).toContain('refused the credentials (HTTP 403)');
  });

  it('OAuth2 error shape, with every secret the server echoed removed', () => {
    const error = tokenRequestFailure(answer(400, '{"error":"invalid_grant","error_description":"bad password s3cret"}'), asking);
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 400, serverCode: 'invalid_grant', serverMessage: 'bad password [redacted]', retryable: false });
    expect(error.message).toContain('failed (HTTP 400 invalid_grant: bad password [redacted]). Check the realm and service.');
  });

  it.each([429, 500, 503])('%i is retryable and says to try later', (status) => {
    const error = tokenRequestFailure(answer(status, 'busy', 'text/plain'), asking);
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status, serverMessage: 'busy', retryable: true });
    expect(error.message).toContain('It may be overloaded or down; try again later.');
  });

  it('an HTML page is named, not quoted', () => {
    expect(tokenRequestFailure(answer(502, '<html><body>Bad gateway</body></html>', 'text/html'), asking).serverMessage).toBe('(an HTML page)');
  });

  it('a redirect that was not followed says where to point the registry', () => {
    const error = tokenRequestFailure(answer(307, ''), asking);
    expect(error).toMatchObject({ code: 'TOKEN_REQUEST_FAILED', status: 307 });
    expect(error.message).toContain('it was not followed. Point the registry at the final token URL.');
  });
});
