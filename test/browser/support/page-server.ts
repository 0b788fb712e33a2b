// The page's origin for the browser tests: the harness page, plus the built SDK and its dependencies.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_DIRECTORIES, startStaticServer } from '../../../examples/browser-ui/static-server.ts';
import type { StaticServer } from '../../../examples/browser-ui/static-server.ts';

const pageDir = new URL('./page/', import.meta.url).pathname;
const distEntry = new URL('../../../dist/index.js', import.meta.url);

/** Serves `/` (the harness page) on its own 127.0.0.1 origin. Needs `npm run build` first. */
export async function startPageServer(): Promise<StaticServer> {
  if (!existsSync(distEntry)) {
    throw new Error('dist/index.js is missing: the browser tests load the built bundle. Run `npm run build` first.');
  }
  return startStaticServer({
    files: {
      '/': join(pageDir, 'harness.html'),
      '/harness.js': join(pageDir, 'harness.js'),
    },
    directories: SDK_DIRECTORIES,
  });
}
