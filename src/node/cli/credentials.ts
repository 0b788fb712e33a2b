// Which credentials a command uses: -u (password from --password-stdin or $OCI_AUTH_PASSWORD), else the
// docker / podman logins.

import type { CredentialProvider, PasswordCredential } from '../../index.ts';
import { chainCredentials, dockerCredentials, podmanCredentials } from '../index.ts';
import { UsageError } from './exit.ts';
import type { Secrets } from './redact.ts';

const PASSWORD_ENV = 'OCI_AUTH_PASSWORD';

interface CredentialFlags {
  user: string | undefined;
  passwordStdin: boolean;
}

/** What podman would use, then docker's full setup (including `credsStore`): see docs/node.md. */
export function loginCredentials(env: NodeJS.ProcessEnv, maxTimeMs?: number): CredentialProvider {
  const helperTimeoutMs = maxTimeMs === undefined ? undefined : Math.min(10_000, maxTimeMs);
  const options = { env, ...(helperTimeoutMs !== undefined ? { helperTimeoutMs } : {}) };
  return chainCredentials(podmanCredentials(options), dockerCredentials(options));
}

/** docker login's rule: all of stdin, minus one trailing newline. */
function passwordFromStdin(text: string): string {
  return text.replace(/\n$/, '').replace(/\r$/, '');
}

/**
 * The credential of -u, or undefined without -u. `readStdin` is called only with --password-stdin.
 * Every secret found is registered in `secrets` before anything can print it.
 */
export async function userCredential(
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv,
  readStdin: () => Promise<string>,
  secrets: Secrets,
): Promise<PasswordCredential | undefined> {
  if (flags.user === undefined) {
    if (flags.passwordStdin) throw new UsageError('--password-stdin needs -u USER');
    return undefined;
  }
  const colon = flags.user.indexOf(':');
  const username = colon < 0 ? flags.user : flags.user.slice(0, colon);
  if (username === '') throw new UsageError('-u needs a user name: -u USER[:PASSWORD]');
  let password: string | undefined;
  if (colon >= 0) {
    if (flags.passwordStdin)
      throw new UsageError('-u USER:PASSWORD and --password-stdin both give a password: use one');
    password = flags.user.slice(colon + 1);
  } else if (flags.passwordStdin) {
    password = passwordFromStdin(await readStdin());
  } else {
    password = env[PASSWORD_ENV];
    if (password === undefined) {
      throw new UsageError(
        `no password for user "${username}": pipe it to --password-stdin or set ${PASSWORD_ENV} (there is no prompt)`,
      );
    }
  }
  if (password === '') throw new UsageError(`the password for user "${username}" is empty`);
  secrets.add(password);
  secrets.add(`${username}:${password}`);
  secrets.add(Buffer.from(`${username}:${password}`, 'utf8').toString('base64'));
  return { username, password };
}
