// The clients compared in the round-trip benchmark, behind one small interface: oci-auth-fetch, a naive
// client (401 -> token -> retry every time, no cache), and the npm peers that do docker token auth.

import { createRequire } from 'node:module';
import { createAuthFetch, parseChallenges, selectChallenge } from '../src/index.ts';
import type { ReferenceRegistry } from '../reference/registry.ts';

const require = createRequire(import.meta.url);

export interface Credentials {
  username: string;
  password: string;
}

/** One client instance as a program would hold it (cold when created). Methods resolve or throw. */
export interface Session {
  manifest(repository: string, ref: string): Promise<void>;
  blob(repository: string, digest: string): Promise<void>;
  tags(repository: string): Promise<void>;
  close(): void;
}

export interface Client {
  name: string;
  version: string;
  /** Why the client cannot run a scenario at all, if it cannot. */
  cannot?: Partial<Record<string, string>>;
  session(registry: ReferenceRegistry, credentials: Credentials): Session;
}

const MANIFEST_ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

function version(pkg: string): string {
  return (require(`${pkg}/package.json`) as { version: string }).version;
}

async function expectOk(res: Response, what: string): Promise<void> {
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status}`);
}

/** Shared by oci-auth-fetch and the naive client: plain fetch-level calls. */
function fetchSession(registry: ReferenceRegistry, get: (url: string, accept?: string) => Promise<Response>): Session {
  return {
    manifest: async (repo, ref) =>
      expectOk(await get(`${registry.url}/v2/${repo}/manifests/${ref}`, MANIFEST_ACCEPT), 'manifest'),
    blob: async (repo, digest) => expectOk(await get(`${registry.url}/v2/${repo}/blobs/${digest}`), 'blob'),
    tags: async (repo) => expectOk(await get(`${registry.url}/v2/${repo}/tags/list`), 'tags'),
    close: () => {},
  };
}

const ours: Client = {
  name: 'oci-auth-fetch',
  version: (require('../package.json') as { version: string }).version,
  session(registry, credentials) {
    const authFetch = createAuthFetch({ credentials });
    return fetchSession(registry, (url, accept) => authFetch(url, accept ? { headers: { accept } } : undefined));
  },
};

/** What most hand-written clients do: every request meets its 401, asks for a token, and retries. No cache. */
const naive: Client = {
  name: 'naive (401 → token → retry, no cache)',
  version: '-',
  session(registry, credentials) {
    const basic = `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`;
    const get = async (url: string, accept?: string): Promise<Response> => {
      const headers: Record<string, string> = accept ? { accept } : {};
      const first = await fetch(url, { headers });
      if (first.status !== 401) return first;
      await first.arrayBuffer();
      const challenge = selectChallenge(parseChallenges(first.headers.get('www-authenticate') ?? ''));
      if (!challenge?.params.realm) return first;
      const tokenUrl = new URL(challenge.params.realm);
      if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
      for (const s of (challenge.params.scope ?? '').split(' ').filter(Boolean))
        tokenUrl.searchParams.append('scope', s);
      const tokenRes = await fetch(tokenUrl, { headers: { authorization: basic } });
      const { token, access_token: accessToken } = (await tokenRes.json()) as { token?: string; access_token?: string };
      return fetch(url, { headers: { ...headers, authorization: `Bearer ${accessToken ?? token}` } });
    };
    return fetchSession(registry, get);
  },
};

interface Snyk {
  getManifest(base: string, repo: string, ref: string, u?: string, p?: string, o?: object): Promise<unknown>;
  getLayer(base: string, repo: string, digest: string, u?: string, p?: string, o?: object): Promise<Buffer>;
  getTags(
    base: string,
    repo: string,
    u?: string,
    p?: string,
    pageSize?: number,
    maxPages?: number,
    o?: object,
  ): Promise<string[]>;
}

const snyk: Client = {
  name: '@snyk/docker-registry-v2-client',
  version: version('@snyk/docker-registry-v2-client'),
  session(registry, { username, password }) {
    const lib = require('@snyk/docker-registry-v2-client') as Snyk;
    const options = { protocol: 'http:' };
    return {
      manifest: async (repo, ref) =>
        void (await lib.getManifest(registry.host, repo, ref, username, password, options)),
      blob: async (repo, digest) => void (await lib.getLayer(registry.host, repo, digest, username, password, options)),
      tags: async (repo) => void (await lib.getTags(registry.host, repo, username, password, 1000, 1, options)),
      close: () => {},
    };
  },
};

type Callback<T> = (error: Error | null | undefined, value?: T) => void;
interface DrcClient {
  getManifest(opts: { ref: string }, cb: Callback<unknown>): void;
  createBlobReadStream(opts: { digest: string }, cb: Callback<NodeJS.ReadableStream>): void;
  listTags(cb: Callback<unknown>): void;
  close(): void;
}

async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  for await (const _chunk of stream as AsyncIterable<unknown>) {
    // read to the end
  }
}

/** Peers whose client is bound to one repository: one instance per repository, as their docs show. */
function perRepository<T extends object>(make: (repo: string) => T) {
  const clients = new Map<string, T>();
  return {
    get: (repo: string) => {
      let c = clients.get(repo);
      if (!c) {
        c = make(repo);
        clients.set(repo, c);
      }
      return c;
    },
    close: () => {
      for (const c of clients.values()) (c as { close?(): void }).close?.();
    },
  };
}

const drc: Client = {
  name: 'docker-registry-client',
  version: version('docker-registry-client'),
  session(registry, { username, password }) {
    const lib = require('docker-registry-client') as { createClientV2(o: object): DrcClient };
    const bunyan = createRequire(require.resolve('docker-registry-client'))('bunyan') as {
      createLogger(o: object): unknown;
    };
    const log = bunyan.createLogger({ name: 'drc', level: 'fatal' });
    const pool = perRepository((repo) =>
      lib.createClientV2({
        name: `${registry.host}/${repo}`,
        username,
        password,
        scheme: 'http',
        maxSchemaVersion: 2,
        log,
      }),
    );
    const call = <T>(fn: (cb: Callback<T>) => void) =>
      new Promise<T>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value as T))));
    return {
      manifest: async (repo, ref) => void (await call((cb) => pool.get(repo).getManifest({ ref }, cb))),
      blob: async (repo, digest) =>
        drain(await call<NodeJS.ReadableStream>((cb) => pool.get(repo).createBlobReadStream({ digest }, cb))),
      tags: async (repo) => void (await call((cb) => pool.get(repo).listTags(cb))),
      close: pool.close,
    };
  },
};

interface OciClient {
  getManifest(o: { ref: string }): Promise<unknown>;
  createBlobReadStream(o: { digest: string }): Promise<{ stream: NodeJS.ReadableStream }>;
  listTags(): Promise<unknown>;
}

const oci: Client = {
  name: 'oci-registry-client',
  version: version('oci-registry-client'),
  session(registry, { username, password }) {
    const lib = require('oci-registry-client') as { RegistryClientV2: new (o: object) => OciClient };
    const pool = perRepository(
      (repo) => new lib.RegistryClientV2({ name: `${registry.host}/${repo}`, username, password, scheme: 'http' }),
    );
    return {
      manifest: async (repo, ref) => void (await pool.get(repo).getManifest({ ref })),
      blob: async (repo, digest) => drain((await pool.get(repo).createBlobReadStream({ digest })).stream),
      tags: async (repo) => void (await pool.get(repo).listTags()),
      close: pool.close,
    };
  },
};

export const clients: Client[] = [ours, naive, snyk, drc, oci];
