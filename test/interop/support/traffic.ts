// A fetch that records every request the SDK makes (registry and token server alike), for round-trip counts.

export interface Exchange {
  method: string;
  /** Origin + path, without the query. */
  url: string;
  query: string;
  status: number;
  server: 'registry' | 'token' | 'other';
  authorization: string | undefined;
  wwwAuthenticate: string | null;
}

export class Traffic {
  readonly log: Exchange[] = [];
  readonly #registry: string;
  readonly #token: string;

  constructor(registryUrl: string, realm: string) {
    this.#registry = new URL(registryUrl).origin;
    this.#token = new URL(realm).origin;
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input instanceof URL ? input.href : input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const response = await fetch(input, init);
    // The realm is on its own origin; classify by origin, so a token request is never counted as a registry one.
    const server = url.origin === this.#token ? 'token' : url.origin === this.#registry ? 'registry' : 'other';
    this.log.push({
      method,
      url: `${url.origin}${url.pathname}`,
      query: url.search.slice(1),
      status: response.status,
      server,
      authorization: headers.get('authorization')?.split(' ')[0],
      wwwAuthenticate: response.headers.get('www-authenticate'),
    });
    return response;
  };

  clear(): void {
    this.log.length = 0;
  }

  counts(): { total: number; registry: number; token: number; unauthorized: number } {
    return {
      total: this.log.length,
      registry: this.log.filter((e) => e.server === 'registry').length,
      token: this.log.filter((e) => e.server === 'token').length,
      unauthorized: this.log.filter((e) => e.status === 401).length,
    };
  }

  /** `METHOD path status` lines, paths relative to their server. */
  lines(): string[] {
    return this.log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);
  }
}
