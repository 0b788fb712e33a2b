// State shared by the servers of one reference registry instance.
import type { Policy } from './policy.ts';
import type { SigningKey } from './jwt.ts';
import type { Storage } from './storage.ts';
import type { CorsOptions, TokenFault } from './types.ts';

export interface Context {
  mode: 'distribution' | 'django-oci';
  auth: 'token' | 'basic' | 'none';
  /** Registry origin, http://127.0.0.1:PORT */
  url: string;
  realm: string;
  /** Path of the realm on the token server (`/token`, or `/auth/token` in django-oci mode). */
  realmPath: string;
  service: string;
  /** JWT `iss`. */
  issuer: string;
  key: SigningKey;
  policy: Policy;
  storage: Storage;
  clock: () => number;
  tokenLifetimeSec: number;
  /** Seconds the registry accepts a token past its `exp`; tokens are signed with `exp` that much earlier. */
  expiryLeewaySec: number;
  omitExpiresIn: boolean;
  tokenField: 'both' | 'token' | 'access_token';
  postTokenEndpoint: boolean;
  refreshTokens: boolean;
  /** refresh token -> username */
  refreshTokenOwners: Map<string, string>;
  cors: CorsOptions | undefined;
  /** Origin of the storage server when blobRedirect is on. */
  storageUrl: string | undefined;
  /** HMAC secret signing storage URLs. */
  storageSecret: Buffer;
  tokenFault: { fault: TokenFault; remaining: number | undefined } | undefined;
  issued: number;
  /** rejectTokensEarly: the share chosen, tokens chosen (jti -> uses left), and those already rejected. */
  early: { share: number; afterUses: number; count: number; chosen: Map<string, number>; rejected: Set<string> };
  /** Origin that manifest and blob reads are redirected to (a front for another registry). */
  redirectTo: string | undefined;
}

export const nowSec = (ctx: Context): number => Math.floor(ctx.clock() / 1000);
