// The configured credential (static or provider): checking its shape, naming it without holding its secret, and
// the credential for each registry, asking a provider only when an answer is needed.

import { HEADER_SAFE, hashText } from './encoding.ts';
import { CredentialProviderError, OciAuthError } from './errors.ts';
import { defined } from './http.ts';
import type { Credential, CredentialContext, CredentialProvider } from './types.ts';

export type CredentialsOption = Credential | CredentialProvider | undefined;

/** A credential with the name its tokens are cached under (a hash, never the secret). */
interface IdentifiedCredential {
  credential?: Credential;
  identity: string;
}

/** A provider's answer for a registry, and when it was given. */
export interface Answer extends IdentifiedCredential {
  at: number;
}

const EXPECTED = 'Expected { username, password }, { refreshToken, username? }, { accessToken }';

/** Why a value is not a credential, naming the field (never a value); undefined when it is one. */
function credentialProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || !value)
    return `it is ${value === null ? 'null' : `a ${typeof value}`}, not an object`;
  const v = value as Record<string, unknown>;
  const bad = (name: string) =>
    v[name] === undefined || v[name] === ''
      ? `\`${name}\` is missing or empty`
      : typeof v[name] !== 'string'
        ? `\`${name}\` is not a string`
        : // An access token is sent as it is, in an Authorization header: it must fit in one.
          name === 'accessToken' && !HEADER_SAFE.test(v[name] as string)
          ? '`accessToken` holds characters an HTTP header cannot carry'
          : undefined;
  if ('accessToken' in v) return bad('accessToken');
  if ('refreshToken' in v) return bad('refreshToken') ?? (v.username === undefined ? undefined : bad('username'));
  if ('username' in v || 'password' in v) return bad('username') ?? bad('password');
  return 'it has no `username`, `refreshToken` or `accessToken`';
}

/** The `credentials` option, checked when the auth fetch is created. */
export function checkCredentialsOption(option: unknown): CredentialsOption {
  if (option === undefined || typeof option === 'function') return option as CredentialsOption;
  const problem = credentialProblem(option);
  if (problem) {
    throw new OciAuthError(
      'CREDENTIALS_INVALID',
      `The credentials option is not a credential: ${problem}. ${EXPECTED} or a provider function.`,
    );
  }
  return option as Credential;
}

/** Asks a provider; its failures become CredentialProviderError without its message (it may hold a secret). */
async function callProvider(provider: CredentialProvider, ctx: CredentialContext): Promise<Credential | undefined> {
  let value: unknown;
  try {
    value = await provider(ctx);
  } catch (error) {
    if (error instanceof CredentialProviderError) throw error;
    // Neither its message nor the error itself (as `cause`) is kept: either may hold a secret.
    throw new CredentialProviderError(
      `The credential provider failed for ${ctx.registry}: it threw ${error instanceof Error ? `a ${error.name}` : 'a non-error'} ` +
        '(its message is not repeated: it may hold a secret). Check the provider.',
      ctx.registry,
    );
  }
  if (value == null) return undefined;
  const problem = credentialProblem(value);
  if (problem) {
    throw new CredentialProviderError(
      `The credential provider returned something that is not a credential for ${ctx.registry}: ${problem}. ${EXPECTED} or undefined.`,
      ctx.registry,
    );
  }
  return value as Credential;
}

const identities = new WeakMap<Credential, Promise<string> | string>();

/** A stable name for a credential in cache keys: a hash, never the secret. */
function credentialIdentity(credential: Credential | undefined): Promise<string> | string {
  if (!credential) return 'anonymous';
  const identity = identities.get(credential);
  if (identity === undefined) {
    const c = credential as Partial<Record<'username' | 'password' | 'refreshToken' | 'accessToken', string>>;
    // The kind first, so that equal strings in different fields never name the same identity.
    const text =
      'password' in c
        ? `password\n${c.username}\n${c.password}`
        : 'refreshToken' in c
          ? `refresh\n${c.username ?? ''}\n${c.refreshToken}`
          : `access\n${c.accessToken}`;
    const hashing = hashText(text);
    identities.set(credential, hashing);
    // Once known, hand out the plain string: no promise to await on the warm path.
    void hashing.then((hash) => identities.set(credential, hash));
    return hashing;
  }
  return identity;
}

/**
 * The credential for each registry: the static one, only for the origin a request addresses (never along a redirect
 * elsewhere), or a provider's answer, asked per registry only when one is needed, one call shared by concurrent
 * askers of the same scopes. Registries are told apart by origin: https and http on one host name are two.
 */
export class CredentialSource {
  readonly #option: CredentialsOption;
  readonly #now: () => number;
  /** A provider's latest answer per registry (origin). */
  readonly #answers = new Map<string, Answer>();
  /** Provider calls in flight, per registry and scope set. */
  readonly #asking = new Map<string, Promise<Answer>>();

  constructor(option: CredentialsOption, now: () => number) {
    this.#option = option;
    this.#now = now;
  }

  /** What is known of a registry's credential without asking anyone (the static one's identity once hashed). */
  latest(url: URL, addressed: string): Partial<Answer> | undefined {
    if (typeof this.#option === 'function') return this.#answers.get(url.origin);
    const credential = this.#static(url, addressed);
    const identity = credentialIdentity(credential);
    return { credential, identity: typeof identity === 'string' ? identity : undefined, at: Infinity };
  }

  /** The credential for a registry, asking the provider now. */
  resolve(url: URL, addressed: string, ctx: Omit<CredentialContext, 'registry'>): Promise<IdentifiedCredential> {
    const provider = this.#option;
    if (typeof provider !== 'function') {
      const credential = this.#static(url, addressed);
      return Promise.resolve(credentialIdentity(credential)).then((identity) => ({ credential, identity }));
    }
    const key = `${url.origin}\n${ctx.scopes.join(' ')}`;
    let pending = this.#asking.get(key);
    if (!pending) {
      // The provider gets its own copy of `scopes`, which may be the memoised array.
      const own = callProvider(provider, defined({ registry: url.host, ...ctx, scopes: [...ctx.scopes] })).then(
        async (credential) => {
          const answer = { credential, identity: await credentialIdentity(credential), at: this.#now() };
          this.#answers.set(url.origin, answer); // one entry per registry: few
          return answer;
        },
      );
      // Only set while absent, so the entry is this call's own when it settles.
      const done = () => this.#asking.delete(key);
      own.then(done, done);
      this.#asking.set(key, own);
      pending = own;
    }
    return pending;
  }

  #static(url: URL, addressed: string): Credential | undefined {
    return typeof this.#option === 'object' && url.origin === addressed ? this.#option : undefined;
  }
}
