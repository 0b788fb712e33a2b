// The scenario every runtime of the matrix runs, against the reference registry the test started. Plain
// JavaScript that imports the installed package by name, so that each runtime loads the packed tarball as a
// user's project would. Before each step it sends a marker request (`GET /__step/<name>`), which lets the test
// split the registry's request log into steps and count each step's requests.
import { createAuthFetch, OciAuthError } from 'oci-auth-fetch';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** The SHA-256 digest of some bytes, as the registry names blobs. */
async function digestOf(bytes) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A request body that can only be read once, in three chunks. */
function streamOf(bytes) {
  const chunks = [bytes.slice(0, 5), bytes.slice(5, 20), bytes.slice(20)];
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

/**
 * Runs every step against `registry` (its origin) and returns what each step observed. `alice` may pull and push
 * `team/app`; `library/hello` is public. `runtime` only labels the pushed content.
 */
export async function runScenario({ registry, alice, runtime }) {
  const results = {};
  const step = async (name, run) => {
    await (await fetch(`${registry}/__step/${name}`)).arrayBuffer();
    results[name] = await run();
  };
  const pull = async (authFetch, repository) => {
    const res = await authFetch(`${registry}/v2/${repository}/manifests/latest`, { headers: { accept: MANIFEST } });
    const text = await res.text();
    return { status: res.status, schemaVersion: res.status === 200 ? JSON.parse(text).schemaVersion : undefined };
  };

  const authFetch = createAuthFetch({ credentials: alice });
  await step('cold', () => pull(authFetch, 'team/app'));
  await step('warm', () => pull(authFetch, 'team/app'));

  await step('concurrent', async () => {
    const fresh = createAuthFetch({ credentials: alice });
    const all = await Promise.all(Array.from({ length: 20 }, () => pull(fresh, 'team/app')));
    return { statuses: [...new Set(all.map((r) => r.status))], count: all.length };
  });

  await step('push', async () => {
    const fresh = createAuthFetch({ credentials: alice });
    const bytes = new TextEncoder().encode(`a layer pushed from ${runtime} as a ReadableStream\n`);
    const digest = await digestOf(bytes);
    const start = await fresh(`${registry}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    const location = new URL(start.headers.get('location'), registry);
    location.searchParams.set('digest', digest);
    const put = await fresh(location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: streamOf(bytes),
    });
    await put.arrayBuffer();
    return { start: start.status, put: put.status, digest, stored: put.headers.get('docker-content-digest') };
  });

  await step('anonymous', () => pull(createAuthFetch(), 'library/hello'));

  await step('wrongPassword', async () => {
    const wrong = createAuthFetch({ credentials: { username: alice.username, password: 'not-her-password' } });
    try {
      const res = await wrong(`${registry}/v2/team/app/manifests/latest`, { headers: { accept: MANIFEST } });
      return { status: res.status };
    } catch (error) {
      return {
        name: error.name,
        code: error.code,
        status: error.status,
        isOciAuthError: error instanceof OciAuthError,
      };
    }
  });

  return results;
}
