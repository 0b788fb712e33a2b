// The reference token server's signing as the real registry needs it: a valid self-signed certificate, the
// libtrust kid of its key (or the certificate in x5c), ES256/RS256, and exp shifted by the registry's leeway.
// Runs without the registry binary.
import { verify, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwtHeader, decodeJwtPayload, libtrustKeyId, startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry, ReferenceRegistryOptions } from '../../reference/registry.ts';

let reg: ReferenceRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

async function tokenFrom(
  options: ReferenceRegistryOptions,
): Promise<{ reg: ReferenceRegistry; token: string; body: Record<string, unknown> }> {
  reg = await startReferenceRegistry({ users: { alice: 'pw' }, ...options });
  const res = await fetch(`${reg.realm}?service=${reg.service}&scope=repository:team/app:pull`, {
    headers: { authorization: `Basic ${btoa('alice:pw')}` },
  });
  const body = (await res.json()) as Record<string, unknown> & { token: string };
  return { reg, token: body.token, body };
}

function verifies(certificate: X509Certificate, token: string, alg: string): boolean {
  const [h, p, s] = token.split('.') as [string, string, string];
  const key = certificate.publicKey;
  return verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    Buffer.from(s, 'base64url'),
  );
}

describe('reference token server signing', () => {
  it('ES256 by default, naming the key by the libtrust ID of its certificate', async () => {
    const { reg, token } = await tokenFrom({});
    const cert = new X509Certificate(reg.signingCertificate);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed, signature valid
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=reference-token-server');
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    expect(reg.signingKeyId).toBe(libtrustKeyId(spki));
    expect(reg.signingKeyId).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(decodeJwtHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: reg.signingKeyId });
    expect(verifies(cert, token, 'ES256')).toBe(true);
    expect(reg.issuer).toBe('reference-token-server');
  });

  it('RS256 with the certificate in x5c', async () => {
    const { reg, token } = await tokenFrom({ signingAlgorithm: 'RS256', keyIdentification: 'x5c' });
    const cert = new X509Certificate(reg.signingCertificate);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.verify(cert.publicKey)).toBe(true);
    const header = decodeJwtHeader(token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', x5c: [cert.raw.toString('base64')] });
    expect(verifies(cert, token, 'RS256')).toBe(true);
    // The embedded registry accepts its own RS256/x5c tokens.
    const res = await fetch(`${reg.url}/v2/`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('carries the claims distribution reads: iss, sub, aud (a string), exp, nbf, iat, jti, access', async () => {
    const { reg, token } = await tokenFrom({});
    const claims = decodeJwtPayload(token);
    expect(Object.keys(claims).sort()).toEqual(['access', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'sub']);
    expect(claims).toMatchObject({
      iss: reg.issuer,
      sub: 'alice',
      aud: reg.service,
      access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
    });
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.exp - claims.iat).toBe(300);
  });

  it('signs exp a leeway early so that a registry granting that leeway rejects the token on time', async () => {
    let now = Date.UTC(2030, 0, 1, 12);
    const { reg, token, body } = await tokenFrom({ tokenLifetimeSec: 5, expiryLeewaySec: 60, clock: () => now });
    const claims = decodeJwtPayload(token);
    expect(claims.exp - claims.iat).toBe(5 - 60);
    expect(body.expires_in).toBe(5); // what clients are told
    const pull = () => fetch(`${reg.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    now += 4_999;
    expect((await pull()).status).toBe(404); // accepted (no such repository yet)
    now += 1;
    const late = await pull();
    expect(late.status).toBe(401);
    expect(late.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
