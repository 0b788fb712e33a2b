// Starts bench/lib/loopback-server.ts as a child process and waits for its URL.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function startLoopbackServer(): Promise<{ url: string; close(): void }> {
  const script = fileURLToPath(new URL('./loopback-server.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', script],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`loopback server exited with ${code}`)));
  });
  return { url, close: () => void child.kill() };
}
