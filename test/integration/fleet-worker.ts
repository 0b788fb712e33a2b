// One process of the fleet (fleet-redis.test.ts): an auth fetch of the built package (dist/, as a user installs it)
// over a Keyv + Redis token cache, the recipe of docs/caching.md, pulling manifests. Run with
// node --experimental-strip-types; one JSON argument:
//   { redis, registry, username, password, repositories, pauseAfter? }
// Prints `paused` after the request numbered `pauseAfter` and waits for a line on stdin; at the end one JSON line:
//   { statuses, events }. It exits by itself: nothing of the cache or the SDK may keep it alive.

import { createInterface } from 'node:readline';
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import type { AuthEvent } from '../../src/index.ts';

// dist/ by a computed path: the types are the sources', which a typecheck before any build can see.
const sdk = new URL('../../dist/index.js', import.meta.url).href;
const { createAuthFetch } = (await import(sdk)) as typeof import('../../src/index.ts');

interface Job {
  redis: string;
  registry: string;
  username: string;
  password: string;
  repositories: string[];
  pauseAfter?: number;
}

const job = JSON.parse(process.argv[2]!) as Job;

// The recipe: errors thrown (not swallowed), no offline queue, no reconnect loop (the next call connects again).
const cache = new Keyv(
  new KeyvRedis(
    { url: job.redis, disableOfflineQueue: true, socket: { reconnectStrategy: false, connectTimeout: 1000 } },
    { throwOnErrors: true },
  ),
  { throwOnErrors: true },
);

const events: Array<Record<string, unknown>> = [];
const authFetch = createAuthFetch({
  cache,
  credentials: { username: job.username, password: job.password },
  onEvent: (event: AuthEvent) =>
    events.push(
      event.type === 'cache-error' || event.type === 'error'
        ? { ...event, error: `${event.error.name}: ${event.error.message}` }
        : { ...event },
    ),
});

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const statuses: number[] = [];
for (const [i, repository] of job.repositories.entries()) {
  const response = await authFetch(`${job.registry}/v2/${repository}/manifests/latest`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  await response.arrayBuffer();
  statuses.push(response.status);
  if (i === job.pauseAfter) {
    process.stdout.write('paused\n');
    await lines.next();
  }
}
process.stdin.destroy();
await cache.disconnect().catch(() => {});
process.stdout.write(`${JSON.stringify({ statuses, events })}\n`);
