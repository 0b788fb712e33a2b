// Signed JSON Web Tokens with node:crypto, in the distribution token server's format: ES256 or RS256, the key
// named by its libtrust `kid` or by its certificate in `x5c`.
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { certificateDer, selfSignedCertificate } from './x509.ts';

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
}

export type SigningAlgorithm = 'ES256' | 'RS256';

/** How a token names its signing key: the libtrust key ID, or the certificate itself (`x5c`). */
export type KeyIdentification = 'kid' | 'x5c';

export interface SigningKey {
  algorithm: SigningAlgorithm;
  identification: KeyIdentification;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** libtrust-style key id (12 groups of 4 base32 characters), as the distribution token server uses. */
  kid: string;
  /** Self-signed certificate of the public key (PEM): what a registry's `rootcertbundle` holds. */
  certificate: string;
}

export function generateSigningKey(
  algorithm: SigningAlgorithm = 'ES256',
  identification: KeyIdentification = 'kid',
): SigningKey {
  const { privateKey, publicKey } =
    algorithm === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const certificate = selfSignedCertificate({ commonName: 'reference-token-server', privateKey, publicKey });
  return { algorithm, identification, privateKey, publicKey, kid: libtrustKeyId(der), certificate };
}

/** base32 of the first 240 bits of SHA-256(SubjectPublicKeyInfo DER), in 12 groups of 4: libtrust's KeyID(). */
export function libtrustKeyId(der: Buffer): string {
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

// ECDSA signatures in JWS are r || s (IEEE P1363), not DER.
const signOptions = (key: SigningKey, k: KeyObject) =>
  key.algorithm === 'ES256' ? { key: k, dsaEncoding: 'ieee-p1363' as const } : { key: k };

function header(key: SigningKey): Record<string, unknown> {
  if (key.identification === 'x5c')
    return { alg: key.algorithm, typ: 'JWT', x5c: [certificateDer(key.certificate).toString('base64')] };
  return { alg: key.algorithm, typ: 'JWT', kid: key.kid };
}

export function signJwt(key: SigningKey, claims: TokenClaims): string {
  const input = `${b64url(JSON.stringify(header(key)))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), signOptions(key, key.privateKey));
  return `${input}.${b64url(signature)}`;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  x5c?: unknown;
}

function namesKey(key: SigningKey, h: JwtHeader): boolean {
  if (Array.isArray(h.x5c)) return h.x5c[0] === certificateDer(key.certificate).toString('base64');
  return h.kid === key.kid;
}

/**
 * Verifies signature, issuer, audience and the time window against `nowSec`: valid while
 * nbf - leeway <= now < exp + leeway (no leeway unless given; distribution 2.8 grants 60 s).
 */
export function verifyJwt(
  key: SigningKey,
  token: string,
  expect: { issuer: string; audience: string; nowSec: number; leewaySec?: number },
): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  const [h, p, s] = parts as [string, string, string];
  let head: JwtHeader;
  let claims: TokenClaims;
  try {
    head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (head.alg !== key.algorithm || !namesKey(key, head)) return { ok: false, reason: 'unknown signing key' };
  const good = verify('sha256', Buffer.from(`${h}.${p}`), signOptions(key, key.publicKey), Buffer.from(s, 'base64url'));
  if (!good) return { ok: false, reason: 'invalid signature' };
  if (claims.iss !== expect.issuer) return { ok: false, reason: 'invalid issuer' };
  const aud: unknown = claims.aud;
  const audOk = Array.isArray(aud) ? aud.includes(expect.audience) : aud === expect.audience;
  if (!audOk) return { ok: false, reason: 'invalid audience' };
  const leeway = expect.leewaySec ?? 0;
  if (typeof claims.nbf !== 'number' || claims.nbf - leeway > expect.nowSec)
    return { ok: false, reason: 'token not yet valid' };
  if (typeof claims.exp !== 'number' || expect.nowSec >= claims.exp + leeway)
    return { ok: false, reason: 'token expired' };
  if (!Array.isArray(claims.access)) claims.access = [];
  return { ok: true, claims };
}

/** Decodes a JWT payload without verifying (for tests). */
export function decodeJwtPayload(token: string): TokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as TokenClaims;
}

/** Decodes a JWT header without verifying (for tests). */
export function decodeJwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
