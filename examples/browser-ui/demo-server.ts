// The registry UI next to the embedded reference registry: three loopback origins (page, registry, token
// server) plus the blob storage server, with CORS on the registry side configured for the page's origin.
import { join } from 'node:path';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { ReferenceRegistry, RepositoryPolicy } from '../../reference/registry.ts';
import { DEMO_USER, PUBLIC_REPOSITORIES, seedRegistry } from './seed.ts';
import { SDK_DIRECTORIES, startStaticServer } from './static-server.ts';
import type { StaticServer } from './static-server.ts';

export interface Demo {
  /** The page: http://127.0.0.1:PORT/ */
  url: string;
  registry: ReferenceRegistry;
  close(): Promise<void>;
}

const here = new URL('.', import.meta.url).pathname;

/** Starts the page server, then the registry allowing exactly the page's origin, then seeds it. */
export async function startDemo(options: { port?: number } = {}): Promise<Demo> {
  let registry: ReferenceRegistry | undefined;
  const page: StaticServer = await startStaticServer({
    port: options.port ?? 0,
    files: {
      '/': join(here, 'index.html'),
      '/app.js': join(here, 'app.js'),
      '/style.css': join(here, 'style.css'),
    },
    directories: SDK_DIRECTORIES,
    // The page reads the registry's address from here (it is only known once the registry is up).
    dynamic: (_req, res, url) => {
      if (url.pathname !== '/config.json') return false;
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ registry: registry?.url ?? '' }));
      return true;
    },
  });
  const fullAccess: RepositoryPolicy = { public: true, acl: { [DEMO_USER.username]: ['*'] } };
  registry = await startReferenceRegistry({
    users: { [DEMO_USER.username]: DEMO_USER.password },
    repositories: Object.fromEntries(PUBLIC_REPOSITORIES.map((name) => [name, fullAccess])),
    separateTokenServer: true,
    blobRedirect: true,
    cors: { allowOrigin: page.url },
  });
  try {
    await seedRegistry(registry.url);
  } catch (error) {
    await Promise.all([registry.close(), page.close()]);
    throw error;
  }
  registry.clearLog();
  const started = registry;
  return {
    url: `${page.url}/`,
    registry: started,
    close: async () => {
      await Promise.all([started.close(), page.close()]);
    },
  };
}
