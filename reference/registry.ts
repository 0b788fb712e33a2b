// Entry point: starts the reference registry (registry + token endpoint + optional storage server) on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from './context.ts';
import { answerPreflight, applyCors, headerRecord, sendError } from './http-util.ts';
import { generateSigningKey } from './jwt.ts';
import { Policy } from './policy.ts';
import { handleRegistryRequest } from './registry-api.ts';
import { Storage } from './storage.ts';
import { handleStorageRequest } from './storage-server.ts';
import { handleTokenRequest, isTokenPath } from './token-server.ts';
import type { ReferenceRegistry, ReferenceRegistryOptions, RequestLogEntry } from './types.ts';

export type {
  Action,
  CorsOptions,
  ReferenceRegistry,
  ReferenceRegistryOptions,
  RepositoryPolicy,
  RequestLogEntry,
  TokenFault,
} from './types.ts';
export { sha256Digest } from './storage.ts';
export { decodeJwtHeader, decodeJwtPayload, libtrustKeyId } from './jwt.ts';
export type { AccessEntry, KeyIdentification, SigningAlgorithm, TokenClaims } from './jwt.ts';
export { BASIC_REALM } from './registry-auth.ts';

type ServerKind = RequestLogEntry['server'];
type Handler = (ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

async function listen(port = 0): Promise<{ server: Server; origin: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startReferenceRegistry(options: ReferenceRegistryOptions = {}): Promise<ReferenceRegistry> {
  const mode = options.mode ?? 'distribution';
  const registry = await listen(options.port);
  const tokenServer = options.separateTokenServer ? await listen() : undefined;
  const storageServer = options.blobRedirect ? await listen() : undefined;
  const tokenOrigin = tokenServer?.origin ?? registry.origin;
  const realmPath = mode === 'django-oci' ? '/auth/token' : '/token';

  const ctx: Context = {
    mode,
    auth: options.auth ?? 'token',
    url: registry.origin,
    realm: `${tokenOrigin}${realmPath}`,
    realmPath,
    service: mode === 'django-oci' ? registry.origin : 'reference-registry',
    issuer: 'reference-token-server',
    key: generateSigningKey(options.signingAlgorithm, options.keyIdentification),
    policy: new Policy(
      options.users ?? {},
      options.repositories ?? {},
      options.defaultUserActions,
      options.catalogUsers,
    ),
    storage: new Storage(),
    clock: options.clock ?? Date.now,
    tokenLifetimeSec: options.tokenLifetimeSec ?? (mode === 'django-oci' ? 600 : 300),
    expiryLeewaySec: options.expiryLeewaySec ?? 0,
    omitExpiresIn: options.omitExpiresIn ?? false,
    tokenField: options.tokenField ?? 'both',
    postTokenEndpoint: options.postTokenEndpoint ?? true,
    refreshTokens: options.refreshTokens ?? true,
    refreshTokenOwners: new Map(),
    cors: options.cors,
    storageUrl: storageServer?.origin,
    storageSecret: randomBytes(32),
    tokenFault: undefined,
    issued: 0,
    early: { share: 0, afterUses: 0, count: 0, chosen: new Map(), rejected: new Set() },
    redirectTo: options.redirectTo === undefined ? undefined : new URL(options.redirectTo).origin,
  };

  const log: RequestLogEntry[] = [];

  function attach(server: Server, kind: ServerKind): void {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const tokenHere = kind === 'token' || (kind === 'registry' && !tokenServer && isTokenPath(ctx, url.pathname));
      const logKind: ServerKind = tokenHere ? 'token' : kind;
      const handler: Handler =
        kind === 'storage' ? handleStorageRequest : tokenHere ? handleTokenRequest : handleRegistryRequest;
      const entry = {
        server: logKind,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        headers: headerRecord(req),
      };
      let logged = false;
      const record = (status: number): void => {
        if (logged) return;
        logged = true;
        const done: RequestLogEntry = { ...entry, status, time: Date.now() };
        log.push(done);
        options.onRequest?.(done);
      };
      // Recorded when the answer is handed to the socket, so a client that got its response sees the entry.
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof res.end>) => {
        record(res.statusCode);
        return end(...args);
      }) as typeof res.end;
      res.once('close', () => record(0)); // never answered (hang, reset)

      if (ctx.cors) {
        applyCors(req, res, ctx.cors, kind === 'storage');
        if (req.method === 'OPTIONS') return answerPreflight(req, res);
      }
      if (logKind === 'registry') res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
      handler(ctx, req, res, url).catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else sendError(req, res, 500, 'UNKNOWN', 'unknown error', { error: String(err) });
      });
    });
  }

  attach(registry.server, 'registry');
  if (tokenServer) attach(tokenServer.server, 'token');
  if (storageServer) attach(storageServer.server, 'storage');

  const ref: ReferenceRegistry = {
    url: registry.origin,
    host: registry.origin.slice('http://'.length),
    realm: ctx.realm,
    service: ctx.service,
    issuer: ctx.issuer,
    signingCertificate: ctx.key.certificate,
    signingKeyId: ctx.key.kid,
    log,
    clearLog() {
      log.length = 0;
      ctx.issued = 0;
    },
    counts() {
      return {
        total: log.length,
        registry: log.filter((e) => e.server === 'registry').length,
        token: log.filter((e) => e.server === 'token').length,
        unauthorized: log.filter((e) => e.status === 401).length,
      };
    },
    setUser(name, password) {
      ctx.policy.users.set(name, password);
    },
    setRepository(name, policy) {
      ctx.policy.repositories.set(name, policy);
    },
    failTokenEndpoint(fault, times) {
      ctx.tokenFault = fault === undefined ? undefined : { fault, remaining: times };
    },
    issuedTokens() {
      return ctx.issued;
    },
    rejectTokensEarly(share, afterUses = 0) {
      Object.assign(ctx.early, { share, afterUses, count: 0 });
    },
    earlyRejections() {
      return ctx.early.rejected.size;
    },
    async close() {
      await Promise.all(
        [registry.server, tokenServer?.server, storageServer?.server].filter((s) => s !== undefined).map(closeServer),
      );
    },
  };
  if (storageServer) ref.storageUrl = storageServer.origin;
  return ref;
}
