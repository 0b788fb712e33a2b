// A tiny static file server on 127.0.0.1: the page's origin for the registry UI and the browser tests.
// Exact paths map to files, prefixes to directories. The SDK is served as built (dist/) with its two
// dependencies from node_modules, which the pages' import maps resolve `oci-auth-fetch` and `ky` to.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

export interface StaticServer {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Exact URL path (`/`, `/app.js`) -> absolute file. */
  files: Record<string, string>;
  /** URL prefix ending in `/` (`/sdk/`) -> absolute directory. */
  directories?: Record<string, string>;
  /** Extra answers computed per request (e.g. `/config.json`); return false to fall through to the files. */
  dynamic?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
  port?: number;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const repoRoot = new URL('../../', import.meta.url).pathname;

/**
 * The built SDK and the files its bare imports resolve to. Pages map them with this import map:
 * `{"imports": {"oci-auth-fetch": "/sdk/index.js", "ky": "/vendor/ky/index.js"}}`
 */
export const SDK_DIRECTORIES: Record<string, string> = {
  '/sdk/': join(repoRoot, 'dist'),
  '/vendor/ky/': join(repoRoot, 'node_modules/ky/distribution'),
};

/** The file a request path maps to, or undefined (unknown prefix, or an attempt to climb out of the directory). */
function resolvePath(options: StaticServerOptions, pathname: string): string | undefined {
  const exact = options.files[pathname];
  if (exact !== undefined) return exact;
  const directories = options.directories ?? {};
  let best: string | undefined;
  for (const prefix of Object.keys(directories)) {
    if (pathname.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  if (best === undefined) return undefined;
  const dir = directories[best]!;
  let rest: string;
  try {
    rest = decodeURIComponent(pathname.slice(best.length));
  } catch {
    return undefined; // malformed escape
  }
  const file = normalize(join(dir, rest));
  return file.startsWith(dir + sep) ? file : undefined;
}

async function serveFile(res: ServerResponse, file: string, head: boolean): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(body.byteLength),
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (options.dynamic?.(req, res, url)) return;
    const file = resolvePath(options, url.pathname);
    if (file === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    serveFile(res, file, req.method === 'HEAD').catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
