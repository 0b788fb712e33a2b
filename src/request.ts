// A fetch call as something that can be sent again (to retry after a challenge, or to follow a redirect).

export interface Outgoing {
  url: URL;
  method: string;
  init: RequestInit;
  /** The body can be sent again (anything but a stream). */
  replayable: boolean;
}

/** Request fields carried over when the input is a Request. */
const REQUEST_FIELDS = [
  'method',
  'headers',
  'signal',
  'redirect',
  'credentials',
  'cache',
  'integrity',
  'keepalive',
  'referrerPolicy',
] as const;

/** Normalise fetch's (input, init) into something that can be sent more than once when the body allows. */
export function outgoing(input: RequestInfo | URL, init: RequestInit | undefined): Outgoing {
  const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
  const merged: RequestInit & { duplex?: 'half' } = {
    ...(request && Object.fromEntries(REQUEST_FIELDS.map((name) => [name, request[name]]))),
    ...(request?.body && init?.body === undefined && { body: request.body }),
    ...init,
  };
  const body = merged.body;
  const replayable =
    body == null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    body instanceof URLSearchParams ||
    (typeof FormData !== 'undefined' && body instanceof FormData);
  if (!replayable) merged.duplex = 'half';
  return {
    url: new URL(request ? request.url : String(input)),
    method: (merged.method ?? 'GET').toUpperCase(),
    init: merged,
    replayable,
  };
}

/**
 * The request a redirect leads to (Fetch standard §4.4: 303, and 301/302 after POST, become a GET without body),
 * or undefined when the response is not one to follow: not a redirect, a target hidden from us, or a stream body
 * already spent on the first hop.
 */
export function redirected(response: Response, from: Outgoing): Outgoing | undefined {
  const { status } = response;
  const location = response.headers.get('location');
  if (status < 300 || status > 399 || status === 304 || location === null || response.type === 'opaqueredirect')
    return undefined;
  const url = new URL(location, from.url);
  if (status === 303 || ((status === 301 || status === 302) && from.method === 'POST')) {
    const headers = new Headers(from.init.headers);
    headers.delete('content-type');
    headers.delete('content-length');
    return {
      url,
      method: from.method === 'HEAD' ? 'HEAD' : 'GET',
      init: { ...from.init, body: undefined, duplex: undefined, headers } as RequestInit,
      replayable: true,
    };
  }
  return from.replayable ? { ...from, url } : undefined;
}
