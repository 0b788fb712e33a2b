// ES256 JSON Web Tokens with node:crypto (the docker token server's format).
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

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

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** libtrust-style key id (12 groups of 4 base32 characters), as the distribution token server uses. */
  kid: string;
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, kid: libtrustKeyId(der) };
}

function libtrustKeyId(der: Buffer): string {
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

export function signJwt(key: SigningKey, claims: TokenClaims): string {
  const header = { alg: 'ES256', typ: 'JWT', kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

/**
 * Verifies signature, issuer, audience and the time window against `nowSec` with no leeway
 * (valid while nbf <= now < exp).
 */
export function verifyJwt(
  key: SigningKey,
  token: string,
  expect: { issuer: string; audience: string; nowSec: number },
): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (header.alg !== 'ES256' || header.kid !== key.kid) return { ok: false, reason: 'unknown signing key' };
  const good = verify('sha256', Buffer.from(`${h}.${p}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!good) return { ok: false, reason: 'invalid signature' };
  if (claims.iss !== expect.issuer) return { ok: false, reason: 'invalid issuer' };
  const aud: unknown = claims.aud;
  const audOk = Array.isArray(aud) ? aud.includes(expect.audience) : aud === expect.audience;
  if (!audOk) return { ok: false, reason: 'invalid audience' };
  if (typeof claims.nbf !== 'number' || claims.nbf > expect.nowSec) return { ok: false, reason: 'token not yet valid' };
  if (typeof claims.exp !== 'number' || expect.nowSec >= claims.exp) return { ok: false, reason: 'token expired' };
  if (!Array.isArray(claims.access)) claims.access = [];
  return { ok: true, claims };
}

/** Decodes a JWT payload without verifying (for tests). */
export function decodeJwtPayload(token: string): TokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as TokenClaims;
}
