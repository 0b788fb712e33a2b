// A self-signed X.509 certificate for the token signing key, DER-encoded by hand (node:crypto parses and
// verifies certificates but cannot create them). The distribution registry trusts the key through it
// (`auth.token.rootcertbundle`).
import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
const explicit = (n: number, item: Buffer): Buffer => tlv(0xa0 | n, item);
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes);
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const NULL = Buffer.from([0x05, 0x00]);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1]! < 0x80) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const base128: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) base128.unshift(0x80 | (v & 0x7f));
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime (years 1950–2049) as RFC 5280 requires, GeneralizedTime after. */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const name = (commonName: string): Buffer => sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  if (key.asymmetricKeyType === 'rsa') return sequence(oid('1.2.840.113549.1.1.11'), NULL); // sha256WithRSAEncryption
  throw new Error(`no certificate signature algorithm for ${key.asymmetricKeyType} keys`);
}

export interface CertificateOptions {
  commonName: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Default: one hour ago. */
  notBefore?: Date;
  /** Default: ten years from now. */
  notAfter?: Date;
}

/** A self-signed CA certificate for `publicKey`, as PEM. */
export function selfSignedCertificate(options: CertificateOptions): string {
  const now = Date.now();
  const algorithm = signatureAlgorithm(options.privateKey);
  const extensions = sequence(
    // basicConstraints: CA, critical; keyUsage: digitalSignature + keyCertSign, critical.
    sequence(oid('2.5.29.19'), TRUE, octetString(sequence(TRUE))),
    sequence(oid('2.5.29.15'), TRUE, octetString(tlv(0x03, Buffer.from([0x02, 0x84])))),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(randomBytes(16)),
    algorithm,
    name(options.commonName),
    sequence(
      time(options.notBefore ?? new Date(now - 3600_000)),
      time(options.notAfter ?? new Date(now + 10 * 365 * 86400_000)),
    ),
    name(options.commonName),
    options.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, options.privateKey); // DER-encoded for ECDSA, as X.509 wants
  const der = sequence(tbs, algorithm, bitString(signature));
  const base64 = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/** The DER bytes inside a PEM certificate (for a JWT `x5c` header). */
export function certificateDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');
}
