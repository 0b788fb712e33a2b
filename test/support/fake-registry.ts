// A scriptable registry + token server behind msw, for exact-request protocol tests.

import { http, HttpResponse } from 'msw';
import { bearer, server } from './msw.ts';

export const REGISTRY = 'https://registry.test';
export const REALM = 'https://auth.test/token';
export const SERVICE = 'registry.test';

export interface FakeOptions {
  /** Token lifetime the token server announces (undefined: field absent). */
  expiresIn?: number | string;
  /** Build the token server's answer yourself. */
  tokenResponse?: (req: Request, n: number) => Response | Promise<Response>;
  /** What the token server grants of each asked scope (default: all); the grant is announced in `scope`. */
  grant?: (scope: string, asked: string[]) => string | undefined;
  /** Actions the registry demands for a route (default: pull for GET/HEAD, pull,push otherwise). */
  requires?: (method: string, repo: string) => string;
  /** Users the token server accepts with Basic (username -> password); absent: accept anything. */
  users?: Record<string, string>;
  /** Body for 2xx registry answers. */
  body?: string;
}

export interface Fake {
  /** Tokens issued so far, with the scopes each was granted. */
  tokens: Map<string, string[]>;
  /** Make every token issued so far invalid. */
  revokeAll(): void;
}

function need(method: string, path: string, requires: FakeOptions['requires']): string | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(path);
  if (!m) return path === '/v2/_catalog' ? 'registry:catalog:*' : undefined;
  const repo = m[1]!;
  const actions = requires ? requires(method, repo) : method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push';
  return `repository:${repo}:${actions}`;
}

function covers(granted: string[], scope: string): boolean {
  const at = scope.lastIndexOf(':');
  const resource = scope.slice(0, at);
  const actions = scope.slice(at + 1).split(',');
  return granted.some((g) => {
    const gAt = g.lastIndexOf(':');
    if (g.slice(0, gAt) !== resource) return false;
    const have = g.slice(gAt + 1).split(',');
    return have.includes('*') || actions.every((a) => have.includes(a));
  });
}

export function fakeRegistry(options: FakeOptions = {}): Fake {
  const tokens = new Map<string, string[]>();
  const revoked = new Set<string>();
  let issued = 0;
  server.use(
    http.all(`${REALM}`, async ({ request }) => {
      issued++;
      if (options.tokenResponse) return options.tokenResponse(request, issued);
      const url = new URL(request.url);
      let scopes = url.searchParams.getAll('scope');
      if (request.method === 'POST') {
        const form = new URLSearchParams(await request.text());
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      }
      const auth = request.headers.get('authorization');
      if (options.users && auth) {
        const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
          .toString()
          .split(':');
        if (options.users[user!] !== pass) {
          return HttpResponse.json(
            { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] },
            { status: 401 },
          );
        }
      }
      const granted = scopes.map((s) => (options.grant ? options.grant(s, scopes) : s)).filter((s): s is string => !!s);
      const token = `tok-${issued}`;
      tokens.set(token, granted);
      const body: Record<string, unknown> = { token, access_token: token };
      if (options.expiresIn !== undefined) body.expires_in = options.expiresIn;
      if (options.grant) body.scope = granted.join(' ');
      return HttpResponse.json(body);
    }),
    http.all(`${REGISTRY}/v2/*`, ({ request }) => {
      const url = new URL(request.url);
      const scope = need(request.method, url.pathname, options.requires);
      const auth = request.headers.get('authorization');
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      const granted = token !== undefined ? tokens.get(token) : undefined;
      const ok = granted !== undefined && !revoked.has(token!) && (scope === undefined || covers(granted, scope));
      if (!ok) {
        const error =
          token === undefined
            ? undefined
            : granted === undefined || revoked.has(token)
              ? 'invalid_token'
              : 'insufficient_scope';
        return new HttpResponse(
          JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
          {
            status: 401,
            headers: {
              'content-type': 'application/json',
              'www-authenticate': bearer({
                realm: REALM,
                service: SERVICE,
                ...(scope ? { scope } : {}),
                ...(error ? { error } : {}),
              }),
            },
          },
        );
      }
      return new HttpResponse(options.body ?? 'ok', { status: request.method === 'PUT' ? 201 : 200 });
    }),
  );
  return {
    tokens,
    revokeAll: () => {
      for (const t of tokens.keys()) revoked.add(t);
    },
  };
}
