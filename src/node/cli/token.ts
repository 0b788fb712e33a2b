// `oci-auth-fetch token [--scope S…] REGISTRY[/REPOSITORY[:TAG][@DIGEST]]`: the bearer token the SDK obtains for these
// scopes, found with the public API only. The auth fetch sends `GET /v2/` with the scopes as extra scopes;
// a fetch wrapper underneath it sees the Authorization header of the authenticated attempt, which carries
// the token. `/v2/` accepts any valid token, so the token is also checked by the registry itself.

import { mergeScopes, parseScope } from '../../index.ts';
import type { AuthEvent } from '../../index.ts';
import { jwtClaims, scopesFromAccessClaim } from '../../token-response.ts';
import type { TokenArgs } from './args.ts';
import { deadline } from './deadline.ts';
import { CliError, EXIT, UsageError } from './exit.ts';
import type { ExitCode } from './exit.ts';
import { readAll, write } from './io.ts';
import type { Io } from './io.ts';
import type { Secrets } from './redact.ts';
import { httpFailure } from './request.ts';
import { createSession } from './session.ts';
import { parseRegistryTarget } from './target.ts';
import type { FetchLike } from './trace.ts';
import { discard } from '../../http.ts';

type TokenEvent = Extract<AuthEvent, { type: 'token' }>;

/** What `--json` prints. */
interface TokenReport {
  token: string;
  registry: string;
  realm: string | null;
  service: string | null;
  /** Scopes asked for, canonical. */
  scopes: string[];
  /** How it was obtained (`anonymous`, `basic`, `refresh_token`, …; `access_token` for a stored registry token). */
  grant: string | null;
  /** Seconds of validity left, as the SDK counts them. */
  expiresIn: number | null;
  /** The JWT `exp`, else now + expiresIn. */
  expiresAt: string | null;
  /** The JWT `access` claim as scopes; null for a token that is not a JWT or has no such claim. */
  granted: string[] | null;
  /** The JWT payload; null for an opaque token. */
  claims: Record<string, unknown> | null;
}

function scopesOf(args: TokenArgs, repository: string | undefined): string[] {
  const own = repository === undefined ? undefined : `repository:${repository}:${args.push ? 'pull,push' : 'pull'}`;
  if (own !== undefined) {
    try {
      parseScope(own);
    } catch {
      throw new UsageError(`not a repository name: ${JSON.stringify(repository)}`);
    }
  }
  return mergeScopes(own, args.scopes);
}

function decodeClaims(token: string): Record<string, unknown> | null {
  const claims = jwtClaims(token);
  return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
}

function tokenReport(
  token: string,
  registry: string,
  scopes: string[],
  event: TokenEvent | undefined,
  now: number,
): TokenReport {
  const claims = decodeClaims(token);
  const exp = typeof claims?.exp === 'number' ? claims.exp : undefined;
  const expiresIn = event ? event.expiresIn : exp !== undefined ? Math.max(0, Math.round(exp - now / 1000)) : null;
  const expiresAt = exp !== undefined ? exp * 1000 : expiresIn !== null ? now + expiresIn * 1000 : undefined;
  return {
    token,
    registry,
    realm: event?.realm ?? null,
    service: event?.service ?? null,
    scopes,
    grant: event ? (event.grant ?? null) : 'access_token',
    expiresIn,
    expiresAt: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
    granted: scopesFromAccessClaim(claims?.access) ?? null,
    claims,
  };
}

export async function runToken(args: TokenArgs, io: Io, secrets: Secrets): Promise<ExitCode> {
  if (args.target === undefined) throw new UsageError('no REGISTRY[/REPOSITORY] given');
  const target = parseRegistryTarget(args.target, args.plainHttp);
  if (args.push && target.repository === undefined)
    throw new UsageError('--push needs a repository: REGISTRY/REPOSITORY');
  const scopes = scopesOf(args, target.repository);
  const ping = new URL('/v2/', target.origin);

  let sent: string | undefined;
  const watch =
    (next: FetchLike): FetchLike =>
    (input, init) => {
      const url = input instanceof URL ? input.href : input instanceof Request ? input.url : String(input);
      if (url === ping.href) sent = new Headers(init?.headers).get('authorization') ?? undefined;
      return next(input, init);
    };
  let event: TokenEvent | undefined;
  const session = await createSession({ ...args, scopes }, io, secrets, {
    registry: target.registry,
    readStdin: () => readAll(io.stdin),
    wrapFetch: watch,
    onEvent: (e) => {
      if (e.type === 'token') event = e;
    },
  });

  const limit = deadline(args.maxTimeMs);
  let response: Response;
  try {
    response = await session.authFetch(ping, { method: 'GET', ...(limit.signal ? { signal: limit.signal } : {}) });
    if (response.status >= 400) throw await httpFailure(response, 'GET', ping, secrets);
    await discard(response);
  } catch (error) {
    throw limit.explain(error);
  }
  const scheme = sent?.split(' ')[0]?.toLowerCase();
  if (sent === undefined || scheme !== 'bearer') {
    throw new CliError(
      EXIT.OTHER,
      scheme === 'basic'
        ? `${target.registry} uses Basic authentication: it issues no tokens`
        : `${target.registry} did not ask for authentication (GET /v2/ answered ${response.status}): there is no token`,
    );
  }
  const token = sent.slice(sent.indexOf(' ') + 1).trim();
  const output = args.json
    ? `${JSON.stringify(tokenReport(token, target.registry, scopes, event, Date.now()), null, 2)}\n`
    : `${token}\n`;
  await write(io.stdout, output);
  return EXIT.OK;
}
