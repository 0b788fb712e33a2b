// Copies an image (or a whole multi-platform index) from one repository to another, with progress.
//
//   node --experimental-strip-types examples/copy-image.ts
//       Self-contained: starts two embedded registries, seeds an image, copies it within one registry
//       (cross-repository mounts: no bytes move) and to the other (chunked upload with progress).
//
//   node --experimental-strip-types examples/copy-image.ts <source> <target>
//       <source>, <target>: host[:port]/repository[:tag|@digest] (http:// for plain-http registries).
//       Credentials come from ~/.docker/config.json (and its credential helpers).

import { sha256Digest, startReferenceRegistry } from '../reference/registry.ts';
import type { ReferenceRegistry } from '../reference/registry.ts';
import { dockerCredentials } from '../src/node/index.ts';
import { createOciClient, isIndexMediaType } from '../src/oci/index.ts';
import type { BlobSource, Descriptor, Manifest, OciClient } from '../src/oci/index.ts';

export interface Location {
  client: OciClient;
  repository: string;
}

const MiB = 1024 * 1024;
const short = (digest: string): string => digest.slice(0, 19);
const size = (n: number): string =>
  n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

/** One line per blob, redrawn in place on a terminal. */
function progressLine(label: string, total: number): (transferred: number) => void {
  const tty = process.stdout.isTTY;
  let last = -1;
  return (transferred) => {
    const percent = total > 0 ? Math.floor((transferred / total) * 100) : 100;
    if (!tty && percent !== 100 && percent - last < 25) return;
    last = percent;
    const text = `  ${label} ${size(transferred)} / ${size(total)} (${percent}%)`;
    process.stdout.write(tty ? `\r${text}` : `${text}\n`);
    if (tty && transferred >= total) process.stdout.write('\n');
  };
}

/** A stream that asks the source for the blob only when first read: a successful mount never downloads it. */
function lazyBlob(from: Location, descriptor: Descriptor): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= (
          await from.client.getBlob(from.repository, descriptor.digest, { size: descriptor.size })
        ).stream.getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

async function copyBlob(
  from: Location,
  to: Location,
  descriptor: Descriptor,
  role: string,
  sameRegistry: boolean,
): Promise<void> {
  const label = `${role} ${short(descriptor.digest)}`;
  // Across registries, skip what the target has; within one, the mount answers that by itself.
  if (!sameRegistry && (await to.client.headBlob(to.repository, descriptor.digest))) {
    console.log(`  ${label} already there`);
    return;
  }
  const show = progressLine(label, descriptor.size);
  const source: BlobSource = lazyBlob(from, descriptor);
  const pushed = await to.client.pushBlob(to.repository, source, {
    digest: descriptor.digest,
    size: descriptor.size,
    ...(sameRegistry ? { from: from.repository } : {}),
    // The last report waits for the result: a mount reports the whole size too, but sent nothing.
    onProgress: (p) => {
      if (p.transferred < descriptor.size) show(p.transferred);
    },
  });
  if (pushed.mounted) console.log(`  ${label} mounted from ${from.repository} (no bytes sent)`);
  else show(pushed.size);
}

/** Copies a manifest and everything it references; returns its digest. */
async function copyManifest(
  from: Location,
  to: Location,
  reference: string,
  targetReference: string,
  sameRegistry: boolean,
): Promise<string> {
  const source = await from.client.getManifest(from.repository, reference);
  const manifest: Manifest = source.manifest;
  if ('manifests' in manifest && isIndexMediaType(source.mediaType)) {
    for (const child of manifest.manifests) {
      const platform = child.platform ? `${child.platform.os}/${child.platform.architecture}` : short(child.digest);
      console.log(` ${platform}:`);
      await copyManifest(from, to, child.digest, child.digest, sameRegistry);
    }
  } else if ('layers' in manifest) {
    await copyBlob(from, to, manifest.config, 'config', sameRegistry);
    for (const [i, layer] of manifest.layers.entries()) await copyBlob(from, to, layer, `layer ${i + 1}`, sameRegistry);
  }
  // The bytes as served: the copy keeps the source's digest.
  const put = await to.client.putManifest(to.repository, targetReference, source.bytes, {
    mediaType: source.mediaType,
  });
  return put.digest;
}

export async function copyImage(
  from: Location,
  reference: string,
  to: Location,
  targetReference: string,
): Promise<string> {
  const sameRegistry = from.client.registry.origin === to.client.registry.origin;
  return copyManifest(from, to, reference, targetReference, sameRegistry);
}

/**
 * Every token for the target asks for push as well: the first HEAD's token then serves the uploads too, and
 * a copy costs one token per registry instead of a pull token followed by a push token.
 */
const pushScopes = (repository: string): string[] => [`repository:${repository}:pull,push`];

/** `host[:port]/repo[:tag|@digest]` → registry, repository, reference. */
function parseImage(text: string): { registry: string; repository: string; reference: string } {
  const scheme = /^https?:\/\//.exec(text)?.[0] ?? '';
  const rest = text.slice(scheme.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw new Error(`expected host/repository[:tag], got ${text}`);
  const registry = `${scheme}${rest.slice(0, slash)}`;
  let path = rest.slice(slash + 1);
  let reference = 'latest';
  const at = path.indexOf('@');
  if (at >= 0) {
    reference = path.slice(at + 1);
    path = path.slice(0, at);
  } else if (path.lastIndexOf(':') > path.lastIndexOf('/')) {
    reference = path.slice(path.lastIndexOf(':') + 1);
    path = path.slice(0, path.lastIndexOf(':'));
  }
  return { registry, repository: path, reference };
}

async function copyFromArguments(source: string, target: string): Promise<void> {
  const credentials = dockerCredentials();
  const src = parseImage(source);
  const dst = parseImage(target);
  const from = { client: createOciClient({ registry: src.registry, credentials }), repository: src.repository };
  const sameRegistry = src.registry === dst.registry;
  const to = {
    client: sameRegistry
      ? createOciClient({ registry: dst.registry, authFetch: from.client.fetch })
      : createOciClient({ registry: dst.registry, credentials, scopes: pushScopes(dst.repository) }),
    repository: dst.repository,
  };
  const digest = await copyImage(from, src.reference, to, dst.reference);
  console.log(`copied ${source} -> ${target} (${digest})`);
}

/** The self-contained run: embedded registries, a seeded image, two copies, the requests each cost. */
async function demo(): Promise<void> {
  const users = { alice: 'alice-password' };
  const here = await startReferenceRegistry({ users });
  const there = await startReferenceRegistry({ users });
  const credentials = { username: 'alice', password: 'alice-password' };
  const counted = async (title: string, registries: ReferenceRegistry[], run: () => Promise<string>) => {
    for (const r of registries) r.clearLog();
    console.log(`\n${title}`);
    const outcome = await run();
    const total = registries.reduce((n, r) => n + r.counts().total, 0);
    const tokens = registries.reduce((n, r) => n + r.counts().token, 0);
    const unauthorized = registries.reduce((n, r) => n + r.counts().unauthorized, 0);
    console.log(`=> ${outcome} [${total} requests: ${tokens} token, ${unauthorized} x 401]`);
  };
  try {
    const seeder = createOciClient({ registry: here.url, credentials });
    const config = new TextEncoder().encode(
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    const small = new TextEncoder().encode('hello from oci-auth-fetch\n');
    const big = new Uint8Array(12 * MiB).map((_, i) => (i * 2654435761) >>> 24);
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256Digest(config),
        size: config.byteLength,
      },
      layers: [small, big].map((b) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256Digest(b),
        size: b.byteLength,
      })),
    };
    await counted('Seeding demo/source:1.0 (config, 26 B layer, 12 MiB layer)', [here], async () => {
      for (const blob of [config, small, big]) await seeder.pushBlob('demo/source', blob);
      return (await seeder.putManifest('demo/source', '1.0', manifest)).digest;
    });

    const from = { client: createOciClient({ registry: here.url, credentials }), repository: 'demo/source' };
    await counted('Copy within the registry: demo/source:1.0 -> demo/target:1.0', [here], async () => {
      const to = {
        client: createOciClient({ registry: here.url, authFetch: from.client.fetch }),
        repository: 'demo/target',
      };
      return copyImage(from, '1.0', to, '1.0');
    });
    await counted(`Copy to another registry: ${there.host}/demo/mirror:1.0 (4 MiB chunks)`, [here, there], async () => {
      const to = {
        client: createOciClient({
          registry: there.url,
          credentials,
          chunkSize: 4 * MiB,
          scopes: pushScopes('demo/mirror'),
        }),
        repository: 'demo/mirror',
      };
      return copyImage(from, '1.0', to, '1.0');
    });
  } finally {
    await Promise.all([here.close(), there.close()]);
  }
}

// Run as a script; imported (by the interop test), only copyImage is used.
if (import.meta.main) {
  const [source, target] = process.argv.slice(2);
  if (source && target) await copyFromArguments(source, target);
  else if (source || target) {
    console.error('usage: copy-image.ts [<source> <target>]   (host[:port]/repository[:tag|@digest])');
    process.exitCode = 2;
  } else await demo();
}
