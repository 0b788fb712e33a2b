// Public types of the reference registry (re-exported by ./registry.ts).

export type Action = 'pull' | 'push' | 'delete' | '*';

export interface RepositoryPolicy {
  /** Anonymous pull allowed. */
  public?: boolean;
  /** username -> granted actions. */
  acl?: Record<string, Action[]>;
}

export interface CorsOptions {
  allowOrigin: string;
  /** List `WWW-Authenticate` in `Access-Control-Expose-Headers` (default true). */
  exposeWwwAuthenticate?: boolean;
  allowCredentials?: boolean;
}

export interface ReferenceRegistryOptions {
  /** username -> password (in django-oci mode: the user's API token). */
  users?: Record<string, string>;
  /** repository name -> policy; repositories not listed: private, no ACL (see `defaultUserActions`). */
  repositories?: Record<string, RepositoryPolicy>;
  /** Default: every user gets pull,push,delete on every repository not listed in `repositories`. */
  defaultUserActions?: Action[];
  /** Users allowed `registry:catalog:*` (default: all users; anonymous never). */
  catalogUsers?: string[];
  /** Access token lifetime, seconds. Default 300 (600 in django-oci mode). */
  tokenLifetimeSec?: number;
  /**
   * Seconds a registry accepts a token past its JWT `exp` (distribution 2.8: 60). Tokens are signed with `exp`
   * that much earlier, so they stop working after `tokenLifetimeSec` all the same; the embedded registry grants
   * the same leeway. Default 0.
   */
  expiryLeewaySec?: number;
  /** JWT signature algorithm. Default 'ES256'. */
  signingAlgorithm?: 'ES256' | 'RS256';
  /** How tokens name their signing key: the libtrust key ID in `kid` (default) or the certificate in `x5c`. */
  keyIdentification?: 'kid' | 'x5c';
  /** Token response without `expires_in` (the JWT `exp` is still set). */
  omitExpiresIn?: boolean;
  /** Which field(s) carry the token. Default 'both' (same value). */
  tokenField?: 'both' | 'token' | 'access_token';
  /** Default true; false => POST to the realm answers 404. */
  postTokenEndpoint?: boolean;
  /** Default true: issue refresh_token on POST grants and on GET with offline_token=true (authenticated only). */
  refreshTokens?: boolean;
  /** Default false: realm on its own port (another origin); else same server at /token. */
  separateTokenServer?: boolean;
  /** Default 'token'; 'basic' = ECR/Nexus style `Basic realm=...` on the registry itself; 'none' = no checks. */
  auth?: 'token' | 'basic' | 'none';
  /** Default 'distribution'. */
  mode?: 'distribution' | 'django-oci';
  /** Blob GETs answer 307 to a second "storage" server on another port. */
  blobRedirect?: boolean;
  /**
   * A front for another registry (an origin, e.g. a second reference registry's `url`): manifest and blob GET/HEAD
   * requests that pass this registry's own access check answer 307 to the same path there.
   */
  redirectTo?: string;
  /** For browser tests: CORS on the registry, token and storage servers. */
  cors?: CorsOptions;
  /** ms epoch, for expiry tests (default Date.now). */
  clock?: () => number;
  /** Called once per request after it is answered. */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Extension: registry port (default 0 = any free port). */
  port?: number;
}

export interface RequestLogEntry {
  server: 'registry' | 'token' | 'storage';
  method: string;
  path: string;
  /** Raw query, without '?'. */
  query: string;
  /** Lower-case names, raw values (repeated fields joined with ', '). */
  headers: Record<string, string>;
  /** 0 when the request was never answered (failTokenEndpoint 'hang' / 'reset'). */
  status: number;
  /** Real wall-clock ms epoch (not `clock`) when the request was answered. */
  time: number;
}

export type TokenFault =
  | { status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  | 'hang'
  | 'reset';

export interface ReferenceRegistry {
  /** http://127.0.0.1:PORT (registry origin). */
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  /** Token endpoint URL (in django-oci mode WITHOUT the trailing slash, since it redirects). */
  realm: string;
  service: string;
  /** JWT `iss` of the tokens (a registry's `auth.token.issuer`). */
  issuer: string;
  /** Self-signed certificate (PEM) of the token signing key: a registry's `auth.token.rootcertbundle`. */
  signingCertificate: string;
  /** libtrust key ID of the signing key (the JWT `kid`). */
  signingKeyId: string;
  storageUrl?: string;
  log: RequestLogEntry[];
  clearLog(): void;
  /** Counts since last clearLog: all requests, registry requests, token requests, 401s. */
  counts(): { total: number; registry: number; token: number; unauthorized: number };
  setUser(name: string, password: string): void;
  setRepository(name: string, policy: RepositoryPolicy): void;
  /** Make the token endpoint misbehave for the next `times` requests (default: until cleared with undefined). */
  failTokenEndpoint(fault: TokenFault | undefined, times?: number): void;
  /** Access tokens issued since the last clearLog. */
  issuedTokens(): number;
  /**
   * Reject a share of valid tokens early, as a registry with a stricter clock or a revocation list does: of the
   * tokens issued from now on, `share` of them (every second one for 0.5) are accepted `afterUses` times (default
   * 0), then answered `401 invalid_token`. Counting uses, not time, makes a test of it independent of load.
   * `share` 0 stops choosing new tokens.
   */
  rejectTokensEarly(share: number, afterUses?: number): void;
  /** Distinct tokens rejected early so far. */
  earlyRejections(): number;
  close(): Promise<void>;
}
