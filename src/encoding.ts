// Small encoding helpers that work the same in browsers and Node.

const encoder = new TextEncoder();

/** What a bearer token may hold to travel in an Authorization header: visible ASCII, nothing else. */
export const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** `Basic base64(user:secret)`, the value of an Authorization header (UTF-8: btoa alone takes Latin-1 only). */
export function basicAuthorization(username: string, secret: string): string {
  return `Basic ${btoa(Array.from(encoder.encode(`${username}:${secret}`), (b) => String.fromCharCode(b)).join(''))}`;
}

/** SHA-256 (hex, first 128 bits) of a text: used to name a credential in cache keys without holding it. */
export async function hashText(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const digest = new Uint8Array(await subtle.digest('SHA-256', encoder.encode(text)), 0, 16);
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  // WebCrypto is missing only on insecure browser origins: fall back to two independent FNV-1a passes.
  // Not a cryptographic hash, but the key stays in memory and never leaves the process.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `fnv${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}
