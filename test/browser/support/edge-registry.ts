// A minimal registry + token endpoint for the browser cases the reference registry does not model (its CORS
// setting covers all its servers alike, and its realm knows no cookies):
//   - a token endpoint without any CORS headers (built for the docker CLI only);
//   - a token endpoint behind SSO that issues tokens to whoever carries the session cookie (when required).
// The registry side always has CORS for the page and exposes WWW-Authenticate. Both servers on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestLogEntry } from '../../../reference/registry.ts';

/** CORS on the token endpoint: none at all; the page's origin only; the page's origin with credentials. */
export type RealmCors = 'none' | 'origin' | 'credentials';

export interface EdgeRegistryOptions {
  pageOrigin: string;
  realmCors: RealmCors;
  /** The SSO session cookie that `GET /login` on the realm's origin sets. */
  session: { name: string; value: string };
  /** Issue tokens only to requests carrying the session cookie. */
  requireSession: boolean;
}

export type EdgeSettings = Pick<EdgeRegistryOptions, 'realmCors' | 'requireSession'>;

export interface EdgeRegistry {
  url: string;
  host: string;
  realm: string;
  /** Origin of the token endpoint (its `/login` sets the session cookie). */
  realmOrigin: string;
  service: string;
  log: RequestLogEntry[];
  /** Change the token endpoint's behaviour between tests. */
  configure(settings: EdgeSettings): void;
  clearLog(): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    out[name] = name in out ? `${out[name]}, ${req.rawHeaders[i + 1]!}` : req.rawHeaders[i + 1]!;
  }
  return out;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export async function startEdgeRegistry(options: EdgeRegistryOptions): Promise<EdgeRegistry> {
  let { realmCors, requireSession } = options;
  const service = 'edge-registry';
  const issued = new Set<string>();
  const log: RequestLogEntry[] = [];
  const registryServer = createServer();
  const tokenServer = createServer();
  const url = await listen(registryServer);
  const realmOrigin = await listen(tokenServer);
  const realm = `${realmOrigin}/token`;

  function logged(server: 'registry' | 'token', handle: (req: IncomingMessage, res: ServerResponse, url: URL) => void) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Recorded as the answer is handed over, so a page that got its response always finds the entry.
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof res.end>) => {
        log.push({
          server,
          method: req.method ?? 'GET',
          path: parsed.pathname,
          query: parsed.search.slice(1),
          headers: headersOf(req),
          status: res.statusCode,
          time: Date.now(),
        });
        return end(...args);
      }) as typeof res.end;
      handle(req, res, parsed);
    };
  }

  registryServer.on(
    'request',
    logged('registry', (req, res, u) => {
      res.setHeader('Access-Control-Allow-Origin', options.pageOrigin);
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, Docker-Content-Digest');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res
          .writeHead(204, {
            'Access-Control-Allow-Methods': 'GET, HEAD',
            'Access-Control-Allow-Headers': 'Authorization, Accept',
            'Access-Control-Max-Age': '600',
          })
          .end();
        return;
      }
      const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(u.pathname);
      if (!m || req.method !== 'GET') {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end('{"errors":[{"code":"NOT_FOUND","message":"not found"}]}');
        return;
      }
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (token === undefined || !issued.has(token)) {
        res.writeHead(401, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer realm="${realm}",service="${service}",scope="repository:${m[1]}:pull"`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' })
        .end(JSON.stringify({ schemaVersion: 2, edge: `${m[1]}:${m[2]}` }));
    }),
  );

  tokenServer.on(
    'request',
    logged('token', (req, res, u) => {
      if (u.pathname === '/login') {
        // The SSO login page: a session cookie for this host (cookies ignore the port: every 127.0.0.1 origin shares it).
        res.writeHead(200, {
          'Set-Cookie': `${options.session.name}=${options.session.value}; Path=/; HttpOnly; SameSite=Lax`,
          'Content-Type': 'text/html; charset=utf-8',
        });
        // No favicon request: it would reach this server's log after the test cleared it.
        res.end('<link rel="icon" href="data:,"><p>signed in</p>');
        return;
      }
      if (realmCors !== 'none') {
        res.setHeader('Access-Control-Allow-Origin', options.pageOrigin);
        res.setHeader('Vary', 'Origin');
        if (realmCors === 'credentials') res.setHeader('Access-Control-Allow-Credentials', 'true');
      }
      if (req.method === 'OPTIONS') {
        // A server that knows nothing of CORS answers the preflight like any unknown method.
        if (realmCors === 'none') res.writeHead(405, { Allow: 'GET' }).end();
        else
          res
            .writeHead(204, { 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'Authorization' })
            .end();
        return;
      }
      if (u.pathname !== '/token' || req.method !== 'GET') {
        res.writeHead(404).end();
        return;
      }
      if (requireSession && cookieValue(req.headers.cookie, options.session.name) !== options.session.value) {
        res
          .writeHead(401, { 'Content-Type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED","message":"no SSO session"}]}');
        return;
      }
      const token = randomBytes(16).toString('hex');
      issued.add(token);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
    }),
  );

  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url,
    host: url.slice('http://'.length),
    realm,
    realmOrigin,
    service,
    log,
    configure(settings) {
      ({ realmCors, requireSession } = settings);
    },
    clearLog() {
      log.length = 0;
    },
    close: async () => {
      await Promise.all([close(registryServer), close(tokenServer)]);
    },
  };
}
