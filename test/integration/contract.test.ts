// One error contract and one scheme rule. createAuthFetch is a drop-in fetch: a registry that cannot be reached
// is fetch's own TypeError. The /oci client is our API: every error it throws is an OciAuthError, network
// failures included. A bare loopback registry name means plain http, anything else https, in every entry point.

import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthFetch, createRegistryClient, OciAuthError, registryBaseUrl } from '../../src/index.ts';
import { createOciClient, OciError, RegistryError } from '../../src/oci/index.ts';

let notRegistry: Server;
let port: number;
beforeAll(async () => {
  // A web server that is not a registry: 404 everywhere, and `/v2/` is no exception.
  notRegistry = createServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => notRegistry.listen(0, '127.0.0.1', resolve));
  port = (notRegistry.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => notRegistry.close(() => resolve())));

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return p;
}

describe('errors', () => {
  it("createAuthFetch, a drop-in fetch: an unreachable registry is fetch's TypeError, not an OciAuthError", async () => {
    const closed = await closedPort();
    const error = await createAuthFetch()(`http://127.0.0.1:${closed}/v2/team/app/manifests/latest`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(OciAuthError);
  });

  it('the /oci client: an unreachable registry is OciError NETWORK, an OciAuthError naming the host, with the cause', async () => {
    const closed = await closedPort();
    const client = createOciClient({ registry: `127.0.0.1:${closed}` });
    const error = (await client.getManifest('team/app', 'latest').catch((e: unknown) => e)) as OciError;
    expect(error).toBeInstanceOf(OciError);
    expect(error).toBeInstanceOf(OciAuthError);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain(`127.0.0.1:${closed} could not be reached`);
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('the /oci client: RegistryError is an OciAuthError too', async () => {
    const error = await createOciClient({ registry: `127.0.0.1:${port}` })
      .getManifest('team/app', 'latest')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toBeInstanceOf(OciAuthError);
  });

  it('ping() against a server that is not a registry says so (NOT_A_REGISTRY), not NAME_UNKNOWN', async () => {
    const error = (await createOciClient({ registry: `127.0.0.1:${port}` })
      .ping()
      .catch((e: unknown) => e)) as OciError;
    expect(error).toBeInstanceOf(OciError);
    expect(error.code).toBe('NOT_A_REGISTRY');
    expect(error.message).toContain('is not an OCI registry');
  });
});

describe('a bare registry name: http on this machine, https elsewhere, the same in every entry point', () => {
  it.each([
    ['127.0.0.1:5000', 'http://127.0.0.1:5000/'],
    ['localhost:5000', 'http://localhost:5000/'],
    ['registry.localhost', 'http://registry.localhost/'],
    ['[::1]:5000', 'http://[::1]:5000/'],
    ['ghcr.io', 'https://ghcr.io/'],
    ['10.0.0.1:5000', 'https://10.0.0.1:5000/'],
    ['https://127.0.0.1:5000', 'https://127.0.0.1:5000/'],
    ['http://registry.example', 'http://registry.example/'],
  ])('%s → %s', (name, base) => {
    expect(registryBaseUrl(name).href).toBe(base);
    expect(createOciClient({ registry: name }).registry.href).toBe(base);
  });

  it('the ky client and the /oci client reach a loopback registry named without a scheme', async () => {
    const ky = createRegistryClient({ registry: `127.0.0.1:${port}`, retry: 0, throwHttpErrors: false });
    expect((await ky.get('ok')).status).toBe(404); // reached over http: the server answered
    const error = (await createOciClient({ registry: `127.0.0.1:${port}` })
      .ping()
      .catch((e: unknown) => e)) as OciError;
    expect(error.code).toBe('NOT_A_REGISTRY'); // reached over http, not an https handshake failure
  });
});
