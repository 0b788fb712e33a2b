// The embedded reference registry, exercised with plain global fetch against real servers on 127.0.0.1.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { decodeJwtPayload, sha256Digest, startReferenceRegistry } from '../reference/registry.ts';
import type { ReferenceRegistry, RequestLogEntry } from '../reference/registry.ts';

const enc = new TextEncoder();
const basic = (user: string, password: string): string => `Basic ${btoa(`${user}:${password}`)}`;
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

function tokenUrl(reg: ReferenceRegistry, scopes: string[], extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ service: reg.service });
  for (const s of scopes) q.append('scope', s);
  for (const [k, v] of Object.entries(extra)) q.append(k, v);
  return `${reg.realm}?${q}`;
}

/** GET token; returns the parsed body. */
async function getToken(
  reg: ReferenceRegistry,
  scopes: string[],
  auth?: [string, string],
  extra: Record<string, string> = {},
): Promise<Record<string, unknown> & { token: string }> {
  const res = await fetch(tokenUrl(reg, scopes, extra), auth ? { headers: { Authorization: basic(...auth) } } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & { token: string };
}

async function postForm(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

function manifestFor(configDigest: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 2 },
    layers: [],
    ...extra,
  });
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('reference registry: distribution token flow', () => {
  let reg: ReferenceRegistry;
  let now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const seen: RequestLogEntry[] = [];

  beforeAll(async () => {
    reg = await startReferenceRegistry({
      users: { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' },
      repositories: {
        'library/hello': { public: true, acl: { alice: ['*'] } },
        'team/secret': { acl: { bob: ['pull'], alice: ['pull', 'push', 'delete'] } },
      },
      catalogUsers: ['alice'],
      clock: () => now,
      onRequest: (e) => seen.push(e),
    });
  });
  afterAll(() => reg.close());

  it('exposes its addresses', () => {
    expect(reg.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(reg.host).toBe(reg.url.slice(7));
    expect(reg.realm).toBe(`${reg.url}/token`);
    expect(reg.service).toBe('reference-registry');
    expect(reg.storageUrl).toBeUndefined();
  });

  it('runs the whole flow by hand: 401, token, retry', async () => {
    reg.clearLog();
    const ping = await fetch(`${reg.url}/v2/`);
    expect(ping.status).toBe(401);
    expect(ping.headers.get('www-authenticate')).toBe(`Bearer realm="${reg.realm}",service="reference-registry"`);
    expect(ping.headers.get('docker-distribution-api-version')).toBe('registry/2.0');

    const first = await fetch(`${reg.url}/v2/alice/app/manifests/latest`);
    expect(first.status).toBe(401);
    expect(first.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.realm}",service="reference-registry",scope="repository:alice/app:pull"`,
    );
    expect(await first.json()).toEqual({
      errors: [
        {
          code: 'UNAUTHORIZED',
          message: 'authentication required',
          detail: [{ Type: 'repository', Class: '', Name: 'alice/app', Action: 'pull' }],
        },
      ],
    });

    const body = await getToken(reg, ['repository:alice/app:pull'], ['alice', 'alice-pw']);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'issued_at', 'token']);
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(body.issued_at).toBe('2030-01-01T12:00:00.000000000Z');

    const [h] = body.token.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, string>;
    expect(header.alg).toBe('ES256');
    expect(header.typ).toBe('JWT');
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    const claims = decodeJwtPayload(body.token);
    const iat = now / 1000;
    expect(claims).toMatchObject({
      iss: 'reference-token-server',
      sub: 'alice',
      aud: 'reference-registry',
      iat,
      nbf: iat,
      exp: iat + 300,
      access: [{ type: 'repository', name: 'alice/app', actions: ['pull'] }],
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);

    const retry = await fetch(`${reg.url}/v2/alice/app/manifests/latest`, { headers: bearer(body.token) });
    expect(retry.status).toBe(404);
    expect(((await retry.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('MANIFEST_UNKNOWN');

    const pinged = await fetch(`${reg.url}/v2/`, { headers: bearer(body.token) });
    expect(pinged.status).toBe(200);
    expect(await pinged.json()).toEqual({});

    expect(reg.counts()).toEqual({ total: 5, registry: 4, token: 1, unauthorized: 2 });
    expect(reg.issuedTokens()).toBe(1);
    expect(reg.log.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`)).toEqual([
      'registry GET /v2/ 401',
      'registry GET /v2/alice/app/manifests/latest 401',
      'token GET /token 200',
      'registry GET /v2/alice/app/manifests/latest 404',
      'registry GET /v2/ 200',
    ]);
    expect(reg.log[2]!.query).toBe('service=reference-registry&scope=repository%3Aalice%2Fapp%3Apull');
    expect(reg.log[2]!.headers.authorization).toBe(basic('alice', 'alice-pw'));
    expect(reg.log[3]!.headers.authorization).toBe(`Bearer ${body.token}`);
    expect(seen.at(-1)).toEqual(reg.log[4]);
    reg.clearLog();
    expect(reg.counts()).toEqual({ total: 0, registry: 0, token: 0, unauthorized: 0 });
    expect(reg.issuedTokens()).toBe(0);
  });

  it('grants several scopes, one parameter each or space-separated, and merges them', async () => {
    const body = await getToken(
      reg,
      ['repository:a/one:pull', 'repository:a/one:push repository:b/two:pull', 'registry:catalog:*'],
      ['alice', 'alice-pw'],
    );
    expect(decodeJwtPayload(body.token).access).toEqual([
      { type: 'repository', name: 'a/one', actions: ['pull', 'push'] },
      { type: 'repository', name: 'b/two', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    const star = await getToken(reg, ['repository:x/y:*'], ['alice', 'alice-pw']);
    expect(decodeJwtPayload(star.token).access).toEqual([{ type: 'repository', name: 'x/y', actions: ['*'] }]);
  });

  it('rejects bad credentials (401) and a foreign service (400)', async () => {
    const bad = await fetch(tokenUrl(reg, ['repository:a/b:pull']), {
      headers: { Authorization: basic('alice', 'nope') },
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }],
    });
    const svc = await fetch(`${reg.realm}?service=other&scope=repository:a/b:pull`);
    expect(svc.status).toBe(400);
  });

  it('lets anonymous callers pull public repositories, and nothing more', async () => {
    const bytes = enc.encode('{}');
    const admin = await getToken(reg, ['repository:library/hello:pull,push'], ['alice', 'alice-pw']);
    const put = await fetch(`${reg.url}/v2/library/hello/blobs/uploads/?digest=${sha256Digest(bytes)}`, {
      method: 'POST',
      headers: bearer(admin.token),
      body: bytes,
    });
    expect(put.status).toBe(201);

    const anon = await getToken(reg, ['repository:library/hello:pull,push']);
    const claims = decodeJwtPayload(anon.token);
    expect(claims.sub).toBe('');
    expect(claims.access).toEqual([{ type: 'repository', name: 'library/hello', actions: ['pull'] }]);
    const get = await fetch(`${reg.url}/v2/library/hello/blobs/${sha256Digest(bytes)}`, {
      headers: bearer(anon.token),
    });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('{}');

    const push = await fetch(`${reg.url}/v2/library/hello/blobs/uploads/`, {
      method: 'POST',
      headers: bearer(anon.token),
    });
    expect(push.status).toBe(401);
    expect(push.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.realm}",service="reference-registry",scope="repository:library/hello:pull,push",error="insufficient_scope"`,
    );
    // Private repository: anonymous gets an empty grant (200), not an error.
    const none = await getToken(reg, ['repository:team/secret:pull']);
    expect(decodeJwtPayload(none.token).access).toEqual([]);
  });

  it('applies ACLs: grants the intersection and answers insufficient_scope', async () => {
    const bob = await getToken(reg, ['repository:team/secret:pull,push,delete'], ['bob', 'bob-pw']);
    expect(decodeJwtPayload(bob.token).access).toEqual([
      { type: 'repository', name: 'team/secret', actions: ['pull'] },
    ]);
    const del = await fetch(`${reg.url}/v2/team/secret/manifests/v1`, { method: 'DELETE', headers: bearer(bob.token) });
    expect(del.status).toBe(401);
    expect(del.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.realm}",service="reference-registry",scope="repository:team/secret:delete",error="insufficient_scope"`,
    );
    // carol is not in the ACL of a listed repository: nothing, but default rights elsewhere.
    const carol = await getToken(
      reg,
      ['repository:team/secret:pull', 'repository:carol/own:push'],
      ['carol', 'carol-pw'],
    );
    expect(decodeJwtPayload(carol.token).access).toEqual([
      { type: 'repository', name: 'carol/own', actions: ['push'] },
    ]);
    // catalog only for catalogUsers
    const cat = await getToken(reg, ['registry:catalog:*'], ['bob', 'bob-pw']);
    expect(decodeJwtPayload(cat.token).access).toEqual([]);
    const res = await fetch(`${reg.url}/v2/_catalog`, { headers: bearer(cat.token) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.realm}",service="reference-registry",scope="registry:catalog:*",error="insufficient_scope"`,
    );
  });

  it('rejects expired, not-yet-valid and forged tokens with invalid_token (no leeway)', async () => {
    const start = now;
    try {
      const body = await getToken(reg, ['repository:alice/app:pull'], ['alice', 'alice-pw']);
      const url = `${reg.url}/v2/alice/app/tags/list`;
      const invalid = `Bearer realm="${reg.realm}",service="reference-registry",scope="repository:alice/app:pull",error="invalid_token"`;
      now = start + 299_999;
      expect((await fetch(url, { headers: bearer(body.token) })).status).toBe(404);
      now = start + 300_000;
      const expired = await fetch(url, { headers: bearer(body.token) });
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toBe(invalid);
      now = start - 1000;
      expect((await fetch(url, { headers: bearer(body.token) })).headers.get('www-authenticate')).toBe(invalid);
      now = start;
      const [h, p, s] = body.token.split('.') as [string, string, string];
      const claims = {
        ...decodeJwtPayload(body.token),
        access: [{ type: 'repository', name: 'alice/app', actions: ['*'] }],
      };
      const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
      expect((await fetch(url, { headers: bearer(forged) })).headers.get('www-authenticate')).toBe(invalid);
      expect((await fetch(url, { headers: bearer(`${p}`) })).headers.get('www-authenticate')).toBe(invalid);
    } finally {
      now = start;
    }
  });

  it('serves OAuth2 POST grants and refresh tokens', async () => {
    const res = await postForm(reg.realm, {
      grant_type: 'password',
      username: 'bob',
      password: 'bob-pw',
      service: reg.service,
      client_id: 'test',
      scope: 'repository:team/secret:pull,push repository:bob/x:pull',
      access_type: 'offline',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'issued_at',
      'refresh_token',
      'scope',
      'token',
    ]);
    expect(body.scope).toBe('repository:team/secret:pull repository:bob/x:pull');
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(decodeJwtPayload(body.access_token!).sub).toBe('bob');

    const refreshed = await postForm(reg.realm, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token!,
      service: reg.service,
      client_id: 'test',
      scope: 'repository:bob/y:push',
    });
    expect(refreshed.status).toBe(200);
    const rb = (await refreshed.json()) as Record<string, string>;
    expect(rb.scope).toBe('repository:bob/y:push');
    expect(rb.refresh_token).toBe(body.refresh_token);
    expect(decodeJwtPayload(rb.token!)).toMatchObject({
      sub: 'bob',
      access: [{ type: 'repository', name: 'bob/y', actions: ['push'] }],
    });

    const unknown = await postForm(reg.realm, {
      grant_type: 'refresh_token',
      refresh_token: 'nope',
      service: reg.service,
      client_id: 'test',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'unknown or revoked refresh token',
    });

    const noClient = await postForm(reg.realm, {
      grant_type: 'password',
      username: 'bob',
      password: 'bob-pw',
      service: reg.service,
    });
    expect(noClient.status).toBe(400);
    expect(((await noClient.json()) as { error: string }).error).toBe('invalid_request');

    const badPw = await postForm(reg.realm, {
      grant_type: 'password',
      username: 'bob',
      password: 'x',
      service: reg.service,
      client_id: 't',
    });
    expect(badPw.status).toBe(401);
    expect(await badPw.json()).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }],
    });

    const badSvc = await postForm(reg.realm, {
      grant_type: 'password',
      username: 'bob',
      password: 'bob-pw',
      service: 'x',
      client_id: 't',
    });
    expect(badSvc.status).toBe(400);
  });

  it('issues a refresh token on GET with offline_token=true (authenticated only)', async () => {
    const withUser = await getToken(reg, ['repository:a/b:pull'], ['alice', 'alice-pw'], {
      offline_token: 'true',
      client_id: 'x',
    });
    expect(typeof withUser.refresh_token).toBe('string');
    expect(withUser.scope).toBeUndefined();
    const anon = await getToken(reg, ['repository:library/hello:pull'], undefined, { offline_token: 'true' });
    expect(anon.refresh_token).toBeUndefined();
    const plain = await getToken(reg, ['repository:a/b:pull'], ['alice', 'alice-pw']);
    expect(plain.refresh_token).toBeUndefined();
    // The refresh token works with the POST grant.
    const res = await postForm(reg.realm, {
      grant_type: 'refresh_token',
      refresh_token: String(withUser.refresh_token),
      client_id: 'x',
    });
    expect(res.status).toBe(200);
  });

  it('pushes and pulls blobs: monolithic, chunked, cross-repository mount', async () => {
    const t = (
      await getToken(
        reg,
        ['repository:alice/blobs:pull,push,delete', 'repository:team/secret:pull'],
        ['alice', 'alice-pw'],
      )
    ).token;
    const a = enc.encode('hello world');
    const da = sha256Digest(a);
    expect(da).toBe('sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    const base = `${reg.url}/v2/alice/blobs`;

    const wrong = await fetch(`${base}/blobs/uploads/?digest=${sha256Digest(enc.encode('x'))}`, {
      method: 'POST',
      headers: bearer(t),
      body: a,
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('DIGEST_INVALID');

    const mono = await fetch(`${base}/blobs/uploads/?digest=${da}`, { method: 'POST', headers: bearer(t), body: a });
    expect(mono.status).toBe(201);
    expect(mono.headers.get('location')).toBe(`/v2/alice/blobs/blobs/${da}`);
    expect(mono.headers.get('docker-content-digest')).toBe(da);

    const head = await fetch(`${base}/blobs/${da}`, { method: 'HEAD', headers: bearer(t) });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('11');
    expect(head.headers.get('docker-content-digest')).toBe(da);
    const get = await fetch(`${base}/blobs/${da}`, { headers: bearer(t) });
    expect(await get.text()).toBe('hello world');
    const ranged = await fetch(`${base}/blobs/${da}`, { headers: { ...bearer(t), Range: 'bytes=6-' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 6-10/11');
    expect(await ranged.text()).toBe('world');

    // chunked
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers: bearer(t) });
    expect(start.status).toBe(202);
    const uuid = start.headers.get('docker-upload-uuid')!;
    expect(start.headers.get('location')).toBe(`/v2/alice/blobs/blobs/uploads/${uuid}`);
    expect(start.headers.get('range')).toBe('0-0');
    const loc = `${reg.url}${start.headers.get('location')}`;
    const p1 = await fetch(loc, {
      method: 'PATCH',
      headers: { ...bearer(t), 'Content-Range': '0-5' },
      body: enc.encode('chunk-'),
    });
    expect(p1.status).toBe(202);
    expect(p1.headers.get('range')).toBe('0-5');
    const bad = await fetch(loc, {
      method: 'PATCH',
      headers: { ...bearer(t), 'Content-Range': '0-3' },
      body: enc.encode('oops'),
    });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('range')).toBe('0-5');
    const p2 = await fetch(loc, { method: 'PATCH', headers: bearer(t), body: enc.encode('one') });
    expect(p2.headers.get('range')).toBe('0-8');
    const status = await fetch(loc, { headers: bearer(t) });
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-8');
    const whole = enc.encode('chunk-one!');
    const done = await fetch(`${loc}?digest=${sha256Digest(whole)}`, {
      method: 'PUT',
      headers: bearer(t),
      body: enc.encode('!'),
    });
    expect(done.status).toBe(201);
    expect(done.headers.get('docker-content-digest')).toBe(sha256Digest(whole));
    expect(await (await fetch(`${base}/blobs/${sha256Digest(whole)}`, { headers: bearer(t) })).text()).toBe(
      'chunk-one!',
    );
    expect((await fetch(loc, { headers: bearer(t) })).status).toBe(404);

    // mount from team/secret (alice may pull there)
    const secret = enc.encode('secret layer');
    const ds = sha256Digest(secret);
    const ts = (await getToken(reg, ['repository:team/secret:pull,push'], ['alice', 'alice-pw'])).token;
    expect(
      (
        await fetch(`${reg.url}/v2/team/secret/blobs/uploads/?digest=${ds}`, {
          method: 'POST',
          headers: bearer(ts),
          body: secret,
        })
      ).status,
    ).toBe(201);
    const mountUrl = `${base}/blobs/uploads/?mount=${ds}&from=team/secret`;
    const noAuth = await fetch(mountUrl, { method: 'POST' });
    expect(noAuth.headers.get('www-authenticate')).toBe(
      `Bearer realm="${reg.realm}",service="reference-registry",scope="repository:alice/blobs:pull,push repository:team/secret:pull"`,
    );
    const onlyTarget = (await getToken(reg, ['repository:alice/blobs:pull,push'], ['alice', 'alice-pw'])).token;
    const fallback = await fetch(mountUrl, { method: 'POST', headers: bearer(onlyTarget) });
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/^\/v2\/alice\/blobs\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const mounted = await fetch(mountUrl, { method: 'POST', headers: bearer(t) });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toBe(`/v2/alice/blobs/blobs/${ds}`);
    expect(await (await fetch(`${base}/blobs/${ds}`, { headers: bearer(t) })).text()).toBe('secret layer');
    const missing = await fetch(`${base}/blobs/uploads/?mount=${sha256Digest(enc.encode('none'))}&from=team/secret`, {
      method: 'POST',
      headers: bearer(t),
    });
    expect(missing.status).toBe(202);

    const del = await fetch(`${base}/blobs/${ds}`, { method: 'DELETE', headers: bearer(t) });
    expect(del.status).toBe(202);
    const gone = await fetch(`${base}/blobs/${ds}`, { headers: bearer(t) });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('BLOB_UNKNOWN');
  });

  it('stores manifests as raw bytes with their content type, by tag and digest, and lists referrers', async () => {
    const t = (await getToken(reg, ['repository:alice/m:*'], ['alice', 'alice-pw'])).token;
    const base = `${reg.url}/v2/alice/m`;
    const body = manifestFor(sha256Digest(enc.encode('{}')));
    const digest = sha256Digest(enc.encode(body));
    const put = await fetch(`${base}/manifests/v1`, {
      method: 'PUT',
      headers: { ...bearer(t), 'Content-Type': OCI_MANIFEST },
      body,
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    expect(put.headers.get('location')).toBe(`/v2/alice/m/manifests/${digest}`);

    for (const ref of ['v1', digest]) {
      const get = await fetch(`${base}/manifests/${ref}`, { headers: bearer(t) });
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(get.headers.get('docker-content-digest')).toBe(digest);
      expect(get.headers.get('content-length')).toBe(String(enc.encode(body).byteLength));
      expect(await get.text()).toBe(body);
    }
    const head = await fetch(`${base}/manifests/v1`, { method: 'HEAD', headers: bearer(t) });
    expect(head.headers.get('docker-content-digest')).toBe(digest);

    const wrong = await fetch(`${base}/manifests/${sha256Digest(enc.encode('x'))}`, {
      method: 'PUT',
      headers: bearer(t),
      body,
    });
    expect(wrong.status).toBe(400);

    const artifact = manifestFor(sha256Digest(enc.encode('{}')), {
      artifactType: 'application/vnd.example.sig',
      subject: { mediaType: OCI_MANIFEST, digest, size: body.length },
      annotations: { a: 'b' },
    });
    const ad = sha256Digest(enc.encode(artifact));
    const ap = await fetch(`${base}/manifests/${ad}`, {
      method: 'PUT',
      headers: { ...bearer(t), 'Content-Type': OCI_MANIFEST },
      body: artifact,
    });
    expect(ap.status).toBe(201);
    expect(ap.headers.get('oci-subject')).toBe(digest);
    const refs = await fetch(`${base}/referrers/${digest}`, { headers: bearer(t) });
    expect(refs.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
    expect(await refs.json()).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: ad,
          size: enc.encode(artifact).byteLength,
          artifactType: 'application/vnd.example.sig',
          annotations: { a: 'b' },
        },
      ],
    });
    const filtered = await fetch(`${base}/referrers/${digest}?artifactType=other`, { headers: bearer(t) });
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await filtered.json()) as { manifests: unknown[] }).manifests).toEqual([]);

    expect((await fetch(`${base}/manifests/v1`, { method: 'DELETE', headers: bearer(t) })).status).toBe(202);
    expect((await fetch(`${base}/manifests/v1`, { headers: bearer(t) })).status).toBe(404);
    expect((await fetch(`${base}/manifests/${digest}`, { headers: bearer(t) })).status).toBe(200);
    expect((await fetch(`${base}/manifests/${digest}`, { method: 'DELETE', headers: bearer(t) })).status).toBe(202);
    expect((await fetch(`${base}/manifests/${digest}`, { headers: bearer(t) })).status).toBe(404);
  });

  it('paginates tag lists and the catalog with Link headers', async () => {
    const t = (await getToken(reg, ['repository:alice/tags:pull,push', 'registry:catalog:*'], ['alice', 'alice-pw']))
      .token;
    const base = `${reg.url}/v2/alice/tags`;
    const body = manifestFor(sha256Digest(enc.encode('{}')));
    for (const tag of ['c', 'a', 'e', 'b', 'd']) {
      const r = await fetch(`${base}/manifests/${tag}`, {
        method: 'PUT',
        headers: { ...bearer(t), 'Content-Type': OCI_MANIFEST },
        body,
      });
      expect(r.status).toBe(201);
    }
    const all = await fetch(`${base}/tags/list`, { headers: bearer(t) });
    expect(await all.json()).toEqual({ name: 'alice/tags', tags: ['a', 'b', 'c', 'd', 'e'] });
    expect(all.headers.get('link')).toBeNull();
    const p1 = await fetch(`${base}/tags/list?n=2`, { headers: bearer(t) });
    expect(await p1.json()).toEqual({ name: 'alice/tags', tags: ['a', 'b'] });
    expect(p1.headers.get('link')).toBe('</v2/alice/tags/tags/list?n=2&last=b>; rel="next"');
    const p3 = await fetch(`${base}/tags/list?n=2&last=d`, { headers: bearer(t) });
    expect(await p3.json()).toEqual({ name: 'alice/tags', tags: ['e'] });
    expect(p3.headers.get('link')).toBeNull();
    const exact = await fetch(`${base}/tags/list?n=5`, { headers: bearer(t) });
    expect(exact.headers.get('link')).toBeNull();
    const unknown = await fetch(`${reg.url}/v2/alice/nothing/tags/list`, {
      headers: bearer((await getToken(reg, ['repository:alice/nothing:pull'], ['alice', 'alice-pw'])).token),
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('NAME_UNKNOWN');

    const cat = await fetch(`${reg.url}/v2/_catalog`, { headers: bearer(t) });
    const repos = ((await cat.json()) as { repositories: string[] }).repositories;
    expect(repos).toEqual([...repos].sort());
    expect(repos).toContain('alice/tags');
    const c1 = await fetch(`${reg.url}/v2/_catalog?n=1`, { headers: bearer(t) });
    expect(await c1.json()).toEqual({ repositories: [repos[0]] });
    expect(c1.headers.get('link')).toBe(`</v2/_catalog?n=1&last=${encodeURIComponent(repos[0]!)}>; rel="next"`);
    const c2 = await fetch(`${reg.url}/v2/_catalog?n=1&last=${repos[0]}`, { headers: bearer(t) });
    expect(await c2.json()).toEqual({ repositories: [repos[1]] });
  });

  it('validates names and routes', async () => {
    const bad = await fetch(`${reg.url}/v2/Upper/Case/tags/list`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('NAME_INVALID');
    expect((await fetch(`${reg.url}/nope`)).status).toBe(404);
    expect((await fetch(`${reg.url}/v2/a/b/tags/list`, { method: 'POST' })).status).toBe(405);
    // deep multi-component names with separators
    const deep = await fetch(`${reg.url}/v2/a.b/c__d/e-f/g/manifests/latest`);
    expect(deep.headers.get('www-authenticate')).toContain('scope="repository:a.b/c__d/e-f/g:pull"');
  });

  it('lets tests change users and repositories at run time', async () => {
    reg.setUser('dave', 'dave-pw');
    reg.setRepository('dave/ro', { acl: { dave: ['pull'] } });
    const t = await getToken(reg, ['repository:dave/ro:pull,push'], ['dave', 'dave-pw']);
    expect(decodeJwtPayload(t.token).access).toEqual([{ type: 'repository', name: 'dave/ro', actions: ['pull'] }]);
  });

  it('misbehaves on demand: failTokenEndpoint', async () => {
    reg.failTokenEndpoint(
      { status: 503, body: '<html>busy</html>', contentType: 'text/html', headers: { 'Retry-After': '1' } },
      2,
    );
    for (let i = 0; i < 2; i++) {
      const r = await fetch(tokenUrl(reg, ['repository:a/b:pull']));
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toBe('text/html');
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.text()).toBe('<html>busy</html>');
    }
    expect((await fetch(tokenUrl(reg, ['repository:a/b:pull']))).status).toBe(200);

    reg.failTokenEndpoint({ status: 500 });
    expect((await fetch(tokenUrl(reg, []))).status).toBe(500);
    expect((await fetch(tokenUrl(reg, []))).status).toBe(500);
    // registry routes are not affected
    expect((await fetch(`${reg.url}/v2/`)).status).toBe(401);
    reg.failTokenEndpoint(undefined);
    expect((await fetch(tokenUrl(reg, []))).status).toBe(200);

    reg.clearLog();
    reg.failTokenEndpoint('reset', 1);
    await expect(fetch(tokenUrl(reg, []))).rejects.toThrow();
    await until(() => reg.log.length === 1);
    expect(reg.log[0]).toMatchObject({ server: 'token', status: 0 });

    reg.failTokenEndpoint('hang', 1);
    const t0 = Date.now();
    await expect(fetch(tokenUrl(reg, []), { signal: AbortSignal.timeout(100) })).rejects.toThrow(/timeout|abort/i);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    await until(() => reg.log.length === 2);
    expect(reg.log[1]).toMatchObject({ server: 'token', status: 0 });
    expect((await fetch(tokenUrl(reg, []))).status).toBe(200);
    expect(reg.issuedTokens()).toBe(1);
  });
});

describe('reference registry: token server variants', () => {
  it('disables POST (404), moves the realm to another origin, omits fields', async () => {
    const reg = await startReferenceRegistry({
      users: { u: 'p' },
      postTokenEndpoint: false,
      separateTokenServer: true,
      tokenField: 'access_token',
      omitExpiresIn: true,
      refreshTokens: false,
      tokenLifetimeSec: 60,
    });
    try {
      expect(new URL(reg.realm).origin).not.toBe(reg.url);
      expect(reg.realm).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token$/);
      const ch = await fetch(`${reg.url}/v2/`);
      expect(ch.headers.get('www-authenticate')).toBe(`Bearer realm="${reg.realm}",service="reference-registry"`);
      expect((await fetch(`${reg.url}/token`)).status).toBe(404);
      const post = await postForm(reg.realm, { grant_type: 'password', username: 'u', password: 'p', client_id: 'x' });
      expect(post.status).toBe(404);
      expect(await post.text()).toBe('404 page not found\n');
      const res = await fetch(tokenUrl(reg, ['repository:u/x:pull'], { offline_token: 'true' }), {
        headers: { Authorization: basic('u', 'p') },
      });
      const body = (await res.json()) as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'issued_at']);
      const claims = decodeJwtPayload(body.access_token!);
      expect(claims.exp - claims.iat).toBe(60);
      const ok = await fetch(`${reg.url}/v2/u/x/tags/list`, { headers: bearer(body.access_token!) });
      expect(ok.status).toBe(404);
      expect(reg.counts()).toEqual({ total: 5, registry: 3, token: 2, unauthorized: 1 });
      expect(reg.log.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`)).toEqual([
        'registry GET /v2/ 401',
        'registry GET /token 404',
        'token POST /token 404',
        'token GET /token 200',
        'registry GET /v2/u/x/tags/list 404',
      ]);
    } finally {
      await reg.close();
    }
  });

  it('answers token-only responses', async () => {
    const reg = await startReferenceRegistry({ tokenField: 'token' });
    try {
      const body = await getToken(reg, []);
      expect(Object.keys(body).sort()).toEqual(['expires_in', 'issued_at', 'token']);
    } finally {
      await reg.close();
    }
  });
});

describe('reference registry: basic and none auth', () => {
  it('auth basic: Basic challenge on the registry itself, anonymous public pull, 403 without rights', async () => {
    const reg = await startReferenceRegistry({
      auth: 'basic',
      users: { u: 'p', v: 'q' },
      repositories: { 'pub/lic': { public: true, acl: { u: ['*'] } } },
    });
    try {
      const ping = await fetch(`${reg.url}/v2/`);
      expect(ping.status).toBe(401);
      expect(ping.headers.get('www-authenticate')).toBe('Basic realm="Reference Registry"');
      expect((await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('u', 'p') } })).status).toBe(200);
      expect((await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('u', 'x') } })).status).toBe(401);

      const bytes = enc.encode('layer');
      const d = sha256Digest(bytes);
      const push = await fetch(`${reg.url}/v2/pub/lic/blobs/uploads/?digest=${d}`, {
        method: 'POST',
        headers: { Authorization: basic('u', 'p') },
        body: bytes,
      });
      expect(push.status).toBe(201);
      expect((await fetch(`${reg.url}/v2/pub/lic/blobs/${d}`)).status).toBe(200);
      const anonPush = await fetch(`${reg.url}/v2/pub/lic/blobs/uploads/`, { method: 'POST' });
      expect(anonPush.status).toBe(401);
      expect(anonPush.headers.get('www-authenticate')).toBe('Basic realm="Reference Registry"');
      const denied = await fetch(`${reg.url}/v2/pub/lic/blobs/uploads/`, {
        method: 'POST',
        headers: { Authorization: basic('v', 'q') },
      });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('DENIED');
      expect((await fetch(`${reg.url}/v2/private/x/tags/list`)).status).toBe(401);
      expect(
        (await fetch(`${reg.url}/v2/v/own/tags/list`, { headers: { Authorization: basic('v', 'q') } })).status,
      ).toBe(404);
      // A bearer token is not accepted here.
      expect((await fetch(`${reg.url}/v2/v/own/tags/list`, { headers: bearer('x') })).status).toBe(401);
    } finally {
      await reg.close();
    }
  });

  it('auth none: no checks at all', async () => {
    const reg = await startReferenceRegistry({ auth: 'none' });
    try {
      expect((await fetch(`${reg.url}/v2/`)).status).toBe(200);
      const bytes = enc.encode('free');
      expect(
        (
          await fetch(`${reg.url}/v2/any/repo/blobs/uploads/?digest=${sha256Digest(bytes)}`, {
            method: 'POST',
            body: bytes,
          })
        ).status,
      ).toBe(201);
      expect(await (await fetch(`${reg.url}/v2/_catalog`)).json()).toEqual({ repositories: ['any/repo'] });
      expect(reg.counts().unauthorized).toBe(0);
    } finally {
      await reg.close();
    }
  });
});

describe('reference registry: blob redirect and CORS', () => {
  let reg: ReferenceRegistry;
  const origin = 'http://app.example';
  beforeAll(async () => {
    reg = await startReferenceRegistry({
      users: { u: 'p' },
      blobRedirect: true,
      separateTokenServer: true,
      cors: { allowOrigin: origin, allowCredentials: true },
    });
  });
  afterAll(() => reg.close());

  it('redirects blob GETs to a storage server that logs whether Authorization arrived', async () => {
    const t = (await getToken(reg, ['repository:u/r:pull,push'], ['u', 'p'])).token;
    const bytes = enc.encode('stored bytes');
    const d = sha256Digest(bytes);
    expect(
      (await fetch(`${reg.url}/v2/u/r/blobs/uploads/?digest=${d}`, { method: 'POST', headers: bearer(t), body: bytes }))
        .status,
    ).toBe(201);
    expect(reg.storageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(reg.storageUrl).not.toBe(reg.url);

    const head = await fetch(`${reg.url}/v2/u/r/blobs/${d}`, { method: 'HEAD', headers: bearer(t) });
    expect(head.status).toBe(200);
    const redirect = await fetch(`${reg.url}/v2/u/r/blobs/${d}`, { headers: bearer(t), redirect: 'manual' });
    expect(redirect.status).toBe(307);
    const location = redirect.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${reg.storageUrl}/blobs/${d}\\?sig=[0-9a-f]{32}$`));

    reg.clearLog();
    const clean = await fetch(location);
    expect(clean.status).toBe(200);
    expect(await clean.text()).toBe('stored bytes');
    const leaked = await fetch(location, { headers: bearer(t) });
    expect(leaked.status).toBe(400);
    expect(await leaked.text()).toContain('<Code>InvalidArgument</Code>');
    expect((await fetch(location.replace(/sig=.*/, 'sig=0'))).status).toBe(403);
    expect(reg.log.map((e) => [e.server, e.status, e.headers.authorization])).toEqual([
      ['storage', 200, undefined],
      ['storage', 400, `Bearer ${t}`],
      ['storage', 403, undefined],
    ]);
    // fetch follows the redirect and (same as browsers for cross-origin) drops Authorization.
    reg.clearLog();
    const followed = await fetch(`${reg.url}/v2/u/r/blobs/${d}`, { headers: bearer(t) });
    expect(await followed.text()).toBe('stored bytes');
    expect(reg.log.map((e) => [e.server, e.status, e.headers.authorization === undefined])).toEqual([
      ['registry', 307, false],
      ['storage', 200, true],
    ]);
  });

  it('answers CORS preflights and exposes headers on registry, token and storage servers', async () => {
    for (const url of [`${reg.url}/v2/u/r/manifests/latest`, reg.realm]) {
      const pre = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/^Authorization, Content-Type, Accept, Range, /);
      expect(pre.headers.get('access-control-max-age')).toBe('600');
    }
    const res = await fetch(`${reg.url}/v2/u/r/manifests/latest`, { headers: { Origin: origin } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    const exposed = res.headers.get('access-control-expose-headers')!.split(', ');
    expect(exposed).toEqual(
      expect.arrayContaining([
        'WWW-Authenticate',
        'Docker-Content-Digest',
        'Location',
        'Link',
        'Content-Length',
        'Range',
        'Docker-Upload-UUID',
      ]),
    );
    const tok = await fetch(tokenUrl(reg, []), { headers: { Origin: origin } });
    expect(tok.headers.get('access-control-allow-origin')).toBe(origin);
    const st = await fetch(`${reg.storageUrl}/blobs/x`, { headers: { Origin: 'null' } });
    expect(st.headers.get('access-control-allow-origin')).toBe('null');
  });

  it('can hide WWW-Authenticate from scripts', async () => {
    const r2 = await startReferenceRegistry({ cors: { allowOrigin: '*', exposeWwwAuthenticate: false } });
    try {
      const res = await fetch(`${r2.url}/v2/`);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).not.toContain('WWW-Authenticate');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await r2.close();
    }
  });
});

describe('reference registry: django-oci mode', () => {
  let reg: ReferenceRegistry;
  const now = Date.UTC(2030, 5, 1, 12, 0, 0, 250);
  beforeAll(async () => {
    reg = await startReferenceRegistry({
      mode: 'django-oci',
      users: { alice: 'api-token-123' },
      repositories: { 'pub/img': { public: true } },
      clock: () => now,
    });
  });
  afterAll(() => reg.close());

  const djangoToken = async (scope: string): Promise<Record<string, unknown> & { token: string }> => {
    const res = await fetch(`${reg.realm}?service=${encodeURIComponent(reg.service)}&scope=${scope}`, {
      headers: { Authorization: basic('alice', 'api-token-123') },
    });
    expect(res.status).toBe(200);
    expect(res.redirected).toBe(true);
    return (await res.json()) as Record<string, unknown> & { token: string };
  };

  it('answers /v2/ with 200 and challenges without a scheme, always asking push,pull', async () => {
    expect(reg.realm).toBe(`${reg.url}/auth/token`);
    expect(reg.service).toBe(reg.url);
    const ping = await fetch(`${reg.url}/v2/`);
    expect(ping.status).toBe(200);
    const res = await fetch(`${reg.url}/v2/alice/hello/manifests/latest`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `realm="${reg.realm}",service="${reg.url}",scope="repository:alice/hello:push,pull"`,
    );
  });

  it('redirects the realm (301, query kept) and answers 403 on missing or wrong credentials', async () => {
    const q = `?service=${encodeURIComponent(reg.url)}&scope=repository:alice/hello:pull`;
    const hop = await fetch(`${reg.realm}${q}`, {
      redirect: 'manual',
      headers: { Authorization: basic('alice', 'api-token-123') },
    });
    expect(hop.status).toBe(301);
    expect(hop.headers.get('location')).toBe(`/auth/token/${q}`);
    expect((await fetch(`${reg.realm}${q}`)).status).toBe(403);
    expect((await fetch(`${reg.realm}${q}`, { headers: { Authorization: basic('alice', 'wrong') } })).status).toBe(403);
    expect((await postForm(`${reg.realm}/`, { grant_type: 'password', client_id: 'x' })).status).toBe(405);
  });

  it('returns token, expires_in 600 and a local issued_at written with Z', async () => {
    const body = await djangoToken('repository:alice/hello:pull');
    expect(Object.keys(body).sort()).toEqual(['expires_in', 'issued_at', 'token']);
    expect(body.expires_in).toBe(600);
    expect(body.issued_at).toBe('2030-06-01T07:00:00.250000Z');
    const claims = decodeJwtPayload(body.token);
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims.aud).toBe(reg.url);
  });

  it('rejects a pull-only token on a pull, accepts push,pull', async () => {
    const pullOnly = await djangoToken('repository:alice/hello:pull');
    const again = await fetch(`${reg.url}/v2/alice/hello/tags/list`, { headers: bearer(pullOnly.token) });
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toBe(
      `realm="${reg.realm}",service="${reg.url}",scope="repository:alice/hello:push,pull"`,
    );
    const both = await djangoToken('repository:alice/hello:push,pull');
    const ok = await fetch(`${reg.url}/v2/alice/hello/tags/list`, { headers: bearer(both.token) });
    expect(ok.status).toBe(404);
    // public repositories can be read without any token
    expect((await fetch(`${reg.url}/v2/pub/img/tags/list`)).status).toBe(404);
  });

  it('answers 500 to an upload POST without Content-Length and uses relative upload Locations', async () => {
    const t = (await djangoToken('repository:alice/hello:push,pull')).token;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('x'));
        c.close();
      },
    });
    const crash = await fetch(`${reg.url}/v2/alice/hello/blobs/uploads/`, {
      method: 'POST',
      headers: bearer(t),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(crash.status).toBe(500);
    expect(reg.log.at(-1)!.headers['content-length']).toBeUndefined();
    expect(reg.log.at(-1)!.headers['transfer-encoding']).toBe('chunked');

    const startUrl = `${reg.url}/v2/alice/hello/blobs/uploads/`;
    const start = await fetch(startUrl, { method: 'POST', headers: { ...bearer(t), 'Content-Length': '0' } });
    expect(start.status).toBe(202);
    const uuid = start.headers.get('docker-upload-uuid')!;
    expect(start.headers.get('location')).toBe(uuid);
    const loc = new URL(start.headers.get('location')!, startUrl).href;
    expect(loc).toBe(`${reg.url}/v2/alice/hello/blobs/uploads/${uuid}`);
    const bytes = enc.encode('django');
    const patch = await fetch(loc, { method: 'PATCH', headers: bearer(t), body: bytes });
    expect(patch.status).toBe(202);
    expect(new URL(patch.headers.get('location')!, loc).href).toBe(loc);
    const done = await fetch(`${loc}?digest=${sha256Digest(bytes)}`, { method: 'PUT', headers: bearer(t) });
    expect(done.status).toBe(201);
    const noSlash = await fetch(`${reg.url}/v2/alice/hello/blobs/uploads`, { method: 'POST', headers: bearer(t) });
    expect(noSlash.headers.get('location')).toBe(`uploads/${noSlash.headers.get('docker-upload-uuid')}`);
  });
});
