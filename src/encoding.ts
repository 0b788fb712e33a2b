// Small encoding helpers that work the same in browsers and Node.

const encoder = new TextEncoder();

/** What a bearer token may hold to travel in an Authorization header: visible ASCII, nothing else. */
export const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** `Basic base64(user:secret)`, the value of an Authorization header (UTF-8: btoa alone takes Latin-1 only). */
export function basicAuthorization(username: string, secret: string): string {
  return `Basic ${btoa(Array.from(encoder.encode(`${username}:${secret}`), (b) => String.fromCharCode(b)).join(''))}`;
}

/**
 * SHA-256 (hex, first 128 bits) of a text: used to name a credential in cache keys without holding it. A page on
 * an insecure origin has no WebCrypto: there the name is random, so that credential's tokens are its own alone
 * (equal credentials in two objects then fetch their own tokens; they never share a wrong one).
 */
export async function hashText(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  const digest = subtle
    ? await subtle.digest('SHA-256', encoder.encode(text))
    : Uint32Array.from([0, 0, 0, 0], () => Math.random() * 2 ** 32).buffer;
  return Array.from(new Uint8Array(digest, 0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
