// Runs the reference registry as a process (browser tests, manual poking):
//   node reference/serve.ts --port 5000 --user alice:secret --public library/hello --cors http://localhost:5173
// In front of a real distribution registry (docs/interop.md): --separate-token-server --expiry-leeway 60
//   --cert-out /tmp/token.pem, then point the registry's auth.token at the printed realm, service and issuer.
// Prints one JSON line {url, realm, service, issuer, storageUrl} on stdout, then one line per request on stderr.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startReferenceRegistry } from './registry.ts';
import type { ReferenceRegistryOptions } from './types.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    user: { type: 'string', multiple: true, default: [] },
    public: { type: 'string', multiple: true, default: [] },
    cors: { type: 'string' },
    mode: { type: 'string', default: 'distribution' },
    auth: { type: 'string', default: 'token' },
    'separate-token-server': { type: 'boolean', default: false },
    'blob-redirect': { type: 'boolean', default: false },
    'signing-algorithm': { type: 'string', default: 'ES256' },
    'key-in-x5c': { type: 'boolean', default: false },
    'expiry-leeway': { type: 'string', default: '0' },
    'token-lifetime': { type: 'string' },
    'cert-out': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const users: Record<string, string> = {};
for (const pair of values.user) {
  const i = pair.indexOf(':');
  if (i <= 0) throw new Error(`--user expects name:password, got ${pair}`);
  users[pair.slice(0, i)] = pair.slice(i + 1);
}
const options: ReferenceRegistryOptions = {
  port: Number(values.port),
  users,
  // Listed repositories get no default rights: give every user full rights on the public ones.
  repositories: Object.fromEntries(
    values.public.map((name) => [name, { public: true, acl: Object.fromEntries(Object.keys(users).map((u) => [u, ['*']])) }]),
  ),
  mode: values.mode === 'django-oci' ? 'django-oci' : 'distribution',
  auth: values.auth === 'basic' || values.auth === 'none' ? values.auth : 'token',
  separateTokenServer: values['separate-token-server'],
  blobRedirect: values['blob-redirect'],
  signingAlgorithm: values['signing-algorithm'] === 'RS256' ? 'RS256' : 'ES256',
  keyIdentification: values['key-in-x5c'] ? 'x5c' : 'kid',
  expiryLeewaySec: Number(values['expiry-leeway']),
};
if (values['token-lifetime'] !== undefined) options.tokenLifetimeSec = Number(values['token-lifetime']);
if (values.cors) options.cors = { allowOrigin: values.cors };
if (!values.quiet) options.onRequest = (e) => process.stderr.write(`${e.status} ${e.server} ${e.method} ${e.path}${e.query ? `?${e.query}` : ''}\n`);

const registry = await startReferenceRegistry(options);
if (values['cert-out']) writeFileSync(values['cert-out'], registry.signingCertificate);
const { url, realm, service, issuer, storageUrl } = registry;
process.stdout.write(`${JSON.stringify({ url, realm, service, issuer, storageUrl })}\n`);
const stop = (): void => {
  void registry.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
