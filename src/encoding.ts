// Small encoding helpers that work the same in browsers and Node.

const encoder = new TextEncoder();

/** Base64 of the UTF-8 bytes of a string (btoa alone only takes Latin-1). */
export function base64Utf8(text: string): string {
  const bytes = encoder.encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** `Basic base64(user:secret)`, the value of an Authorization header. */
export function basicAuthorization(username: string, secret: string): string {
  return `Basic ${base64Utf8(`${username}:${secret}`)}`;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
  return hex;
}

/** SHA-256 (hex, first 128 bits) of a text: used to name a credential in cache keys without holding it. */
export async function hashText(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const digest = await subtle.digest('SHA-256', encoder.encode(text));
    return toHex(new Uint8Array(digest).subarray(0, 16));
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
