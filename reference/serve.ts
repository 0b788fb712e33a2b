// Runs the reference registry as a process (browser tests, manual poking):
//   node reference/serve.ts --port 5000 --user alice:secret --public library/hello --cors http://localhost:5173
// In front of a real distribution registry (docs/interop.md): --separate-token-server --expiry-leeway 60
//   --cert-out /tmp/token.pem, then point the registry's auth.token at the printed realm, service and issuer.
// Prints one JSON line {url, realm, service, issuer, storageUrl} on stdout, then one line per request on stderr.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startReferenceRegistry } from './registry.ts';
import type { ReferenceRegistryOptions } from './types.ts';

const HELP = `Usage: node reference/serve.ts [options]

Runs the reference registry and its token server on 127.0.0.1. Prints one JSON line
{url, realm, service, issuer, storageUrl} on stdout, then one line per request on stderr.

Options:
  --port N                 registry port (default 0: any free port)
  --user NAME:PASSWORD     a user (repeatable)
  --public REPOSITORY      a repository anyone may pull; every user gets all rights on it (repeatable)
  --cors ORIGIN            answer CORS for this page origin on the registry, token and storage servers
  --mode MODE              distribution (default) or django-oci (scheme-less challenge, push,pull for every read)
  --auth KIND              token (default), basic (ECR/Nexus style Basic on the registry itself) or none
  --separate-token-server  the realm on a port of its own (another origin)
  --blob-redirect          blob reads answer 307 to a storage server on another port (pre-signed URLs)
  --redirect-to ORIGIN     a front for another registry: manifest and blob reads answer 307 to ORIGIN
  --signing-algorithm ALG  ES256 (default) or RS256
  --key-in-x5c             name the signing key by its certificate (x5c) instead of its libtrust key ID
  --expiry-leeway SEC      seconds a registry accepts a token past exp (distribution: 60); default 0
  --token-lifetime SEC     access token lifetime (default 300, 600 in django-oci mode)
  --cert-out FILE          write the signing certificate (PEM), for a registry's auth.token.rootcertbundle
  --quiet                  no request lines on stderr
  -h, --help               this text
`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        user: { type: 'string', multiple: true, default: [] },
        public: { type: 'string', multiple: true, default: [] },
        cors: { type: 'string' },
        mode: { type: 'string', default: 'distribution' },
        auth: { type: 'string', default: 'token' },
        'separate-token-server': { type: 'boolean', default: false },
        'blob-redirect': { type: 'boolean', default: false },
        'redirect-to': { type: 'string' },
        'signing-algorithm': { type: 'string', default: 'ES256' },
        'key-in-x5c': { type: 'boolean', default: false },
        'expiry-leeway': { type: 'string', default: '0' },
        'token-lifetime': { type: 'string' },
        'cert-out': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`serve.ts: ${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
}
const values = parseFlags();
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

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
    values.public.map((name) => [
      name,
      { public: true, acl: Object.fromEntries(Object.keys(users).map((u) => [u, ['*']])) },
    ]),
  ),
  mode: values.mode === 'django-oci' ? 'django-oci' : 'distribution',
  auth: values.auth === 'basic' || values.auth === 'none' ? values.auth : 'token',
  separateTokenServer: values['separate-token-server'],
  blobRedirect: values['blob-redirect'],
  ...(values['redirect-to'] ? { redirectTo: values['redirect-to'] } : {}),
  signingAlgorithm: values['signing-algorithm'] === 'RS256' ? 'RS256' : 'ES256',
  keyIdentification: values['key-in-x5c'] ? 'x5c' : 'kid',
  expiryLeewaySec: Number(values['expiry-leeway']),
};
if (values['token-lifetime'] !== undefined) options.tokenLifetimeSec = Number(values['token-lifetime']);
if (values.cors) options.cors = { allowOrigin: values.cors };
if (!values.quiet)
  options.onRequest = (e) =>
    process.stderr.write(`${e.status} ${e.server} ${e.method} ${e.path}${e.query ? `?${e.query}` : ''}\n`);

const registry = await startReferenceRegistry(options);
if (values['cert-out']) writeFileSync(values['cert-out'], registry.signingCertificate);
const { url, realm, service, issuer, storageUrl } = registry;
process.stdout.write(`${JSON.stringify({ url, realm, service, issuer, storageUrl })}\n`);
const stop = (): void => {
  void registry.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
