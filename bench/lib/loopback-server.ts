// The smallest registry that still speaks the token flow, run as its own process so that the client's CPU time
// is measured alone: one manifest, one static token, a realm on the same port.
//   node --experimental-strip-types bench/lib/loopback-server.ts   -> prints {"url": "..."} on stdout

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'b'.repeat(64)}`, size: 1024 },
  ],
});

function start(): void {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: BENCH_TOKEN, expires_in: 86_400 }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${BENCH_TOKEN}`) {
      const origin = `http://${req.headers.host}`;
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${origin}/token",service="bench",scope="repository:team/app:pull"`,
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'docker-content-digest': `sha256:${'c'.repeat(64)}`,
    });
    res.end(manifest);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) start();
