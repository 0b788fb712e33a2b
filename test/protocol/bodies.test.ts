// Request bodies: what may be sent twice, and the stream that never is.

import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createAuthFetch, ChallengeParseError } from '../../src/index.ts';
import { fakeRegistry, REALM, REGISTRY } from '../support/fake-registry.ts';
import { bearer, bodiesRead, recorded, server, trace, useMsw } from '../support/msw.ts';
import { Observed } from '../support/secrets.ts';

useMsw();

const upload = `${REGISTRY}/v2/team/app/blobs/uploads/`;
const tokenUrl = `${REALM}?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull%2Cpush`;
const wait = bodiesRead; // bodies are recorded from a clone, asynchronously

function stream(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

describe('replay-safe bodies', () => {
  const bodies: Array<[string, () => BodyInit, string]> = [
    ['string', () => 'hello', 'hello'],
    ['Uint8Array', () => new TextEncoder().encode('bytes'), 'bytes'],
    ['ArrayBuffer', () => new TextEncoder().encode('buffer').buffer as ArrayBuffer, 'buffer'],
    ['Blob', () => new Blob(['blob']), 'blob'],
    ['URLSearchParams', () => new URLSearchParams({ a: 'b' }), 'a=b'],
  ];
  for (const [kind, make, text] of bodies) {
    it(`resends a ${kind} body on the retry after a 401`, async () => {
      fakeRegistry({ expiresIn: 300 });
      const res = await createAuthFetch()(upload, { method: 'POST', body: make() });
      expect(res.status).toBe(200);
      await wait();
      expect(trace()).toEqual([`POST ${upload}`, `GET ${tokenUrl}`, `POST ${upload} Bearer`]);
      expect(recorded[0]!.body).toBe(text);
      expect(recorded[2]!.body).toBe(text);
    });
  }

  it('resends FormData bodies', async () => {
    fakeRegistry({ expiresIn: 300 });
    const fd = new FormData();
    fd.set('field', 'value');
    const res = await createAuthFetch()(upload, { method: 'POST', body: fd });
    expect(res.status).toBe(200);
    await wait();
    expect(recorded[2]!.body).toContain('value');
  });
});

describe('stream bodies are never sent twice', () => {
  it('on an unknown registry, learns its auth with one GET /v2/ and sends the stream authenticated', async () => {
    fakeRegistry({ expiresIn: 300 });
    const seen = new Observed();
    const res = await createAuthFetch({ onEvent: seen.onEvent })(upload, {
      method: 'POST',
      body: stream('data'),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    await wait();
    expect(trace()).toEqual([`GET ${REGISTRY}/v2/`, `GET ${tokenUrl}`, `POST ${upload} Bearer`]);
    expect(recorded[2]!.body).toBe('data');
    expect(seen.events[0]).toEqual({ type: 'discovery', registry: 'registry.test', scheme: 'bearer' });
  });

  it('a Request object with a body is treated as a stream (ky sends these)', async () => {
    fakeRegistry({ expiresIn: 300 });
    const res = await createAuthFetch()(new Request(upload, { method: 'POST', body: 'in-request' }));
    expect(res.status).toBe(200);
    await wait();
    expect(trace()).toEqual([`GET ${REGISTRY}/v2/`, `GET ${tokenUrl}`, `POST ${upload} Bearer`]);
    expect(recorded[2]!.body).toBe('in-request');
  });

  it('when the authenticated stream is still refused, the 401 reaches the caller and nothing is resent', async () => {
    fakeRegistry({ expiresIn: 300, requires: () => 'pull,push,delete' });
    const res = await createAuthFetch()(upload, {
      method: 'POST',
      body: stream('data'),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(401);
    expect(trace()).toEqual([`GET ${REGISTRY}/v2/`, `GET ${tokenUrl}`, `POST ${upload} Bearer`]);
  });

  it('a registry whose /v2/ answers 200 gets the stream unauthenticated once, and its 401 is returned', async () => {
    server.use(
      http.get(`${REGISTRY}/v2/`, () => new HttpResponse('{}')),
      http.post(
        upload,
        () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': bearer({ realm: REALM }) } }),
      ),
    );
    const res = await createAuthFetch()(upload, {
      method: 'POST',
      body: stream('data'),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(401);
    expect(trace()).toEqual([`GET ${REGISTRY}/v2/`, `POST ${upload}`]);
  });

  it('the challenges option authenticates a stream up front on such a registry', async () => {
    fakeRegistry({ expiresIn: 300 });
    server.use(http.get(`${REGISTRY}/v2/`, () => new HttpResponse('{}')));
    const authFetch = createAuthFetch({
      challenges: { 'registry.test': `Bearer realm="${REALM}",service="registry.test"` },
    });
    const res = await authFetch(upload, { method: 'POST', body: stream('data'), duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect(trace()).toEqual([`GET ${tokenUrl}`, `POST ${upload} Bearer`]);
  });

  it('challenges: null is the same as no challenges', async () => {
    fakeRegistry({ expiresIn: 300 });
    const res = await createAuthFetch({ challenges: null as unknown as undefined })(
      `${REGISTRY}/v2/team/app/manifests/latest`,
    );
    expect(res.status).toBe(200);
  });

  it('the challenges option is read by own key only: a registry host named like an Object method is unaffected', async () => {
    const host = 'https://constructor';
    server.use(
      http.get(`${host}/v2/*`, ({ request }) =>
        request.headers.get('authorization') === 'Bearer t'
          ? new HttpResponse('ok')
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': bearer({ realm: REALM }) } }),
      ),
      http.get(REALM, () => HttpResponse.json({ token: 't' })),
    );
    const res = await createAuthFetch()(`${host}/v2/team/app/manifests/latest`);
    expect(res.status).toBe(200);
    expect(trace()).toEqual([
      `GET ${host}/v2/team/app/manifests/latest`,
      `GET ${REALM}?scope=${encodeURIComponent('repository:team/app:pull')}`,
      `GET ${host}/v2/team/app/manifests/latest Bearer`,
    ]);
  });
});

describe('malformed challenges', () => {
  it('reject with ChallengeParseError', async () => {
    server.use(
      http.get(
        `${REGISTRY}/v2/*`,
        () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="unterminated' } }),
      ),
    );
    const error = await new Observed().catch(createAuthFetch()(`${REGISTRY}/v2/team/app/manifests/latest`));
    expect(error).toBeInstanceOf(ChallengeParseError);
  });
});
