// A proxy in front of the reference registry for the faults its own `failTokenEndpoint` cannot produce
// (a truncated or chunked body, a realm that redirects elsewhere, a registry that rejects every token).
// It forwards everything else and rewrites the realm in challenges so that token requests come through it.

import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReferenceRegistry } from '../../../reference/registry.ts';

/** Handles the request itself (a fault), or returns false to let it through to the reference. */
export type ProxyHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ProxyLogEntry {
  kind: 'registry' | 'token';
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Whether a handler answered instead of the reference. */
  faulted: boolean;
}

export interface FaultProxy {
  url: string;
  host: string;
  realm: string;
  log: ProxyLogEntry[];
  counts(): { registry: number; token: number };
  onToken(handler: ProxyHandler | undefined): void;
  onRegistry(handler: ProxyHandler | undefined): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: ReferenceRegistry): Promise<FaultProxy> {
  const realmPath = new URL(target.realm).pathname;
  const targetPort = Number(new URL(target.url).port);
  const log: ProxyLogEntry[] = [];
  let tokenHandler: ProxyHandler | undefined;
  let registryHandler: ProxyHandler | undefined;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', origin).pathname;
    const kind = path === realmPath ? 'token' : 'registry';
    const handler = kind === 'token' ? tokenHandler : registryHandler;
    const entry: ProxyLogEntry = {
      kind,
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      faulted: false,
    };
    log.push(entry);
    if (handler?.(req, res)) {
      entry.faulted = true;
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers = { ...answer.headers };
        const challenge = headers['www-authenticate'];
        if (typeof challenge === 'string') headers['www-authenticate'] = challenge.split(target.url).join(origin);
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });

  return {
    url: origin,
    host: origin.slice('http://'.length),
    realm: `${origin}${realmPath}`,
    log,
    counts: () => ({
      registry: log.filter((e) => e.kind === 'registry').length,
      token: log.filter((e) => e.kind === 'token').length,
    }),
    onToken: (handler) => {
      tokenHandler = handler;
    },
    onRegistry: (handler) => {
      registryHandler = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A server that records what it receives and answers with `answer` (a stand-in for an attacker's host). */
export async function startRecorder(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{
  url: string;
  seen: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}> {
  const seen: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers } });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
