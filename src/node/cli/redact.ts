// What -v and error messages may show: URLs without signatures, headers without credentials, no secret anywhere.

/** Query parameters safe to show as they are; any other parameter's value is replaced (pre-signed URLs). */
const SAFE_QUERY_PARAMS = new Set([
  'digest',
  'mount',
  'from',
  'scope',
  'service',
  'n',
  'last',
  'artifacttype',
  'account',
  'client_id',
  'offline_token',
  'ns',
  'tag',
]);

const MASKED = '[redacted]';

/** Every secret this run knows (passwords, tokens, Authorization values), replaced in any text shown. */
export class Secrets {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    if (value !== undefined && value.length >= 3) this.#values.add(value);
  }

  /** Remember an Authorization value: the whole value, its credentials part and, for Basic, what it encodes. */
  addAuthorization(header: string): void {
    this.add(header);
    const space = header.indexOf(' ');
    if (space < 0) return;
    const credentials = header.slice(space + 1).trim();
    this.add(credentials);
    if (header.slice(0, space).toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      this.add(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0) this.add(decoded.slice(colon + 1));
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const secret of [...this.#values].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASKED);
    }
    return out;
  }
}

/** `scheme [redacted]`: the kind of credential is useful to see, its value never. */
export function maskAuthorization(value: string): string {
  const scheme = value.trim().split(/\s+/)[0] ?? '';
  return scheme ? `${scheme} ${MASKED}` : MASKED;
}

/** A URL for display: origin, path, and a query whose unknown parameters have their value replaced. */
export function safeUrl(url: URL): string {
  const query = url.search.slice(1);
  if (query === '') return `${url.origin}${url.pathname}`;
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // keep the raw name
    }
    if (SAFE_QUERY_PARAMS.has(name.toLowerCase())) return pair;
    return eq < 0 ? MASKED : `${rawName}=${MASKED}`;
  });
  return `${url.origin}${url.pathname}?${parts.join('&')}`;
}

/** A header value for display; `base` resolves relative Location values. */
export function safeHeader(name: string, value: string, base: URL): string {
  switch (name.toLowerCase()) {
    case 'authorization':
    case 'proxy-authorization':
      return maskAuthorization(value);
    case 'cookie':
    case 'set-cookie':
      return MASKED;
    case 'location':
    case 'content-location':
      try {
        return safeUrl(new URL(value, base));
      } catch {
        return MASKED;
      }
    default:
      return value;
  }
}
