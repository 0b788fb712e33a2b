// The demo: an embedded registry, and the SDK walking through the main job while every round trip is printed.
//   npm run demo

import { sha256Digest, startReferenceRegistry } from '../reference/registry.ts';
import { createAuthFetch, createRegistryClient } from '../src/index.ts';
import type { AuthEvent } from '../src/index.ts';

const registry = await startReferenceRegistry({
  users: { alice: 'alice-password' },
  repositories: {
    'library/hello': { public: true, acl: { alice: ['pull', 'push'] } },
    'team/app': { acl: { alice: ['pull', 'push', 'delete'] } },
  },
});

// The fetch underneath the SDK prints each HTTP round trip (Authorization values are not printed).
/** `1 request`, `3 requests`. */
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const loggingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const auth = request.headers.get('authorization');
  const url = new URL(request.url);
  const response = await fetch(input, init);
  const challenge = response.headers.get('www-authenticate');
  console.log(
    `    ${request.method.padEnd(5)} ${url.pathname}${url.search ? '?…' : ''}` +
      `${auth ? `  [${auth.split(' ')[0]} …]` : ''}  → ${response.status}` +
      `${challenge ? `  WWW-Authenticate: ${challenge}` : ''}`,
  );
  return response;
};
const onEvent = (e: AuthEvent) => {
  if (e.type === 'token')
    console.log(
      `      · token ${e.source}${e.grant ? ` (${e.grant})` : ''} for ${e.scopes.join(' ') || '(no scope)'}, valid ${e.expiresIn}s`,
    );
  else if (e.type === 'challenge')
    console.log(`      · challenge ${e.scheme} realm=${e.realm} scope=${e.scopes.join(' ')}`);
  else if (e.type === 'retry') console.log(`      · retry (${e.reason})`);
  else if (e.type === 'discovery') console.log(`      · discovery: ${e.scheme}`);
  else console.log(`      · error ${e.error.message}`);
};

async function step(title: string, run: () => Promise<string>): Promise<void> {
  const before = registry.counts();
  console.log(`\n${title}`);
  const outcome = await run();
  const after = registry.counts();
  console.log(
    `  => ${outcome}  [${plural(after.total - before.total, 'request')}: ${after.token - before.token} token, ${after.unauthorized - before.unauthorized} × 401]`,
  );
}

console.log(`Reference registry on ${registry.url} (token realm ${registry.realm})`);
try {
  const alice = createRegistryClient({
    registry: registry.url,
    credentials: { username: 'alice', password: 'alice-password' },
    fetch: loggingFetch,
    onEvent,
  });

  const config = new TextEncoder().encode('{"architecture":"amd64","os":"linux"}');
  const layer = new TextEncoder().encode('hello from oci-auth-fetch\n');
  await step('1. Authenticated push of two blobs (alice, library/hello)', async () => {
    for (const blob of [config, layer]) {
      await alice.post(`library/hello/blobs/uploads/?digest=${encodeURIComponent(sha256Digest(blob))}`, { body: blob });
    }
    return `pushed ${sha256Digest(config).slice(0, 19)}… and ${sha256Digest(layer).slice(0, 19)}…`;
  });

  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256Digest(config),
      size: config.byteLength,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.byteLength },
    ],
  });
  await step('2. Push the manifest as library/hello:v1 (the push token is reused)', async () => {
    const res = await alice.put('library/hello/manifests/v1', {
      body: manifest,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    return `${res.status}, digest ${res.headers.get('docker-content-digest')?.slice(0, 19)}…`;
  });

  const anonymous = createAuthFetch({ fetch: loggingFetch, onEvent });
  await step('3. Anonymous pull of the public manifest (cold: 401, token, retry)', async () => {
    const res = await anonymous(`${registry.url}/v2/library/hello/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const json = (await res.json()) as { layers: unknown[] };
    return `${res.status}, ${json.layers.length} layer`;
  });

  await step('4. The same pull again (warm: the cached token)', async () => {
    const res = await anonymous(`${registry.url}/v2/library/hello/manifests/v1`);
    return `${res.status}`;
  });

  await step('5. Tag list of library/hello (alice, the push token covers the pull)', async () => {
    const tags = await alice.get('library/hello/tags/list').json<{ tags: string[] }>();
    return `tags: ${tags.tags.join(', ')}`;
  });

  await step('6. A second repository on the same registry (team/app: token first, no 401)', async () => {
    const res = await alice.put('team/app/manifests/v1', {
      body: manifest,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      throwHttpErrors: false,
    });
    return `${res.status}`;
  });

  console.log(`\nDone: ${registry.log.length} HTTP requests in all, ${registry.issuedTokens()} tokens issued.`);
} finally {
  await registry.close();
}
