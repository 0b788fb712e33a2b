// A throwaway redis-server (Debian's package) on a free loopback port: no persistence, its files in a temp folder.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
  url: string;
  /** SIGKILL, as a crash or a lost host would end it; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Stops it (if still running) and removes its folder. */
  close(): Promise<void>;
}

/** A port nothing listens on right now (redis-server takes no port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves once redis-server says it accepts connections; rejects if it exits first (a port taken meanwhile). */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
}

export async function startRedis(): Promise<RedisServer> {
  // Missing is a failure, not a skip: .ci/run installs it.
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: apt-get install redis-server`);
  const dir = await mkdtemp(join(tmpdir(), 'oci-auth-redis-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await ready(child);
    } catch (error) {
      if (attempt < 3) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const kill = async () => {
      child.kill('SIGKILL');
      await exited(child);
    };
    return {
      url: `redis://127.0.0.1:${port}`,
      kill,
      async close() {
        await kill();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
