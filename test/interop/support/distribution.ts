// The CNCF distribution registry (Debian's docker-registry, 2.8) as a child process on 127.0.0.1, trusting a
// token server's signing certificate. Each instance has its own config and storage in a temp directory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The registry binary: $DOCKER_REGISTRY_BIN when set (and only it), else `docker-registry` on PATH or in /usr/bin. */
export function findRegistryBinary(): string | undefined {
  const override = process.env.DOCKER_REGISTRY_BIN;
  const candidates = override
    ? [override]
    : [
        ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'docker-registry')),
        '/usr/bin/docker-registry',
      ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export interface TokenAuth {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate(s) of the token signing key. */
  certificate: string;
}

export interface Distribution {
  /** http://127.0.0.1:PORT */
  url: string;
  host: string;
  /** Everything the registry logged (for failure messages). */
  logs(): string;
  close(): Promise<void>;
}

function config(dir: string, auth: TokenAuth): string {
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: interop-upload-state-secret
auth:
  token:
    realm: ${auth.realm}
    service: ${auth.service}
    issuer: ${auth.issuer}
    rootcertbundle: ${join(dir, 'token-signing.pem')}
`;
}

/** Starts the registry on a port the OS picks; resolves once it logs where it listens. */
export async function startDistribution(binary: string, auth: TokenAuth): Promise<Distribution> {
  const dir = mkdtempSync(join(tmpdir(), 'oci-interop-'));
  writeFileSync(join(dir, 'token-signing.pem'), auth.certificate);
  writeFileSync(join(dir, 'config.yml'), config(dir, auth));
  const child: ChildProcess = spawn(binary, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start within 15 s:\n${output}`)), 15_000);
    const onData = (data: Buffer): void => {
      output += data.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code}:\n${output}`));
    });
  });
  const host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}`,
    host,
    logs: () => output,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
