// --help texts. Keep in step with docs/cli.md.

/** What `token` takes: the tag or digest is accepted and ignored (target.ts). */
const TOKEN_TARGET = 'REGISTRY[/REPOSITORY[:TAG][@DIGEST]]';

const EXIT_3 = `  3  authentication failed: the token endpoint refused the credentials, a
     credential helper or credentials file failed, credentials would go over plain
     http, or the registry still answered 401`;

const EXIT_4 = `  4  anything else: network, DNS, TLS, a token endpoint that failed or timed out,
     a token response that is not one, writing the output`;

const REQUEST_EXIT_CODES = `Exit codes:
  0  success: the response status was below 400 (any status with --no-fail)
  1  the registry answered an HTTP error (400 and above, except 401): nothing is
     written to stdout or -o; stderr names the status, the request and the
     registry's error codes
  2  usage: unknown option, missing URL, bad header, scope or method, unreadable
     -d file, -u without a password
${EXIT_3}
${EXIT_4}`;

const TOKEN_EXIT_CODES = `Exit codes:
  0  success: the token was printed
  1  GET /v2/ answered an HTTP error (400 and above, except 401): nothing is
     written to stdout; stderr names the status, the request and the
     registry's error codes
  2  usage: unknown option, no target or more than one, a target that is not
     ${TOKEN_TARGET}, bad --scope or --max-time, --push
     without a repository, -u without a password
${EXIT_3}
     (as does a Basic registry asked without any credentials)
${EXIT_4};
     also a registry that issues no tokens (Basic authentication, or none)`;

/** The credential order of both commands: chainCredentials(podmanCredentials(), dockerCredentials()). */
const credentials = (registry: string, stdinNote: string): string => `Credentials:
  By default, what podman login and docker login stored for ${registry},
  in this order:
    1. as podman reads them: $REGISTRY_AUTH_FILE alone when set; else
       $DOCKER_CONFIG/config.json alone when DOCKER_CONFIG is set; else
       $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json
       ($XDG_CONFIG_HOME), ~/.docker/config.json
    2. as docker reads them: docker's config.json ($DOCKER_CONFIG, else
       ~/.docker) with its credHelpers, credsStore and auths
  Anonymous when nothing is stored.
  -u, --user USER[:PASS]   use these credentials instead. USER:PASS puts the
                           password in the process list and shell history:
                           prefer -u USER with the password from --password-stdin,
                           else from $OCI_AUTH_PASSWORD. -u USER without either is
                           a usage error (there is no prompt)
      --password-stdin     read the password for -u USER from stdin (one trailing
                           newline is removed)${stdinNote}`;

const TRANSPORT = `Scheme: a URL without a scheme uses https, or http when the host is loopback
  (localhost, 127.0.0.0/8, ::1). Credentials go over http only to loopback hosts.
      --plain-http         use http for a URL without a scheme, and allow credentials
                           over plain http to this registry and its token realm
  There is no option to skip TLS verification; for a private CA set
  NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`;

const CACHE = `Cache:
  Tokens, and what each registry's challenge said, are kept between runs in
  $XDG_CACHE_HOME/oci-auth-fetch/tokens.json (else ~/.cache/…; ~/Library/Caches/…
  on macOS, %LOCALAPPDATA%\\… on Windows), mode 0600, each token until it expires:
  a second call to a registry costs one request instead of three. Delete the file
  to empty the cache.
      --no-cache           neither read nor write it (so does setting
                           OCI_AUTH_FETCH_NO_CACHE to any non-empty value)`;

export const REQUEST_HELP = `Usage: oci-auth-fetch [options] URL
       oci-auth-fetch token [options] ${TOKEN_TARGET}
                                                (see: oci-auth-fetch token --help)

curl for OCI / Docker registries: sends one request, answers the registry's
authentication challenge (docker token flow or Basic), and writes the body.

Request:
  -X, --request METHOD     method (default GET, or POST with -d)
  -H, --header 'Name: v'   add a request header (repeatable). Manifest URLs get an
                           Accept header for every manifest kind unless one is given
  -d, --data DATA          body: @FILE (sent from disk with its length), - or @-
                           (stdin, read into memory), or the text itself. Bytes
                           are sent unchanged and no Content-Type is added
  -o, --output FILE        write the body to FILE (- is stdout). Not created on an
                           HTTP error
  -i, --include            write the status line and response headers first
      --scope SCOPE        also ask the token for SCOPE (repeatable), for example
                           repository:base/image:pull to mount a blob from it
      --no-fail            write the body and exit 0 whatever the status
  -m, --max-time SECONDS   give up (exit 4) when the whole exchange, body
                           included, takes longer
  -v, --verbose            on stderr: "> METHOD url" and headers per request sent
                           (registry, token realm, redirects), "< status" and
                           headers per answer, "* event …" per SDK event.
                           Authorization shows as "Bearer [redacted]", unknown
                           query parameters as "name=[redacted]", no body is shown
  -h, --help               this help
      --version            the version

${credentials("the URL's registry", '; cannot be combined with -d -')}

${CACHE}

${TRANSPORT}

${REQUEST_EXIT_CODES}

Examples:
  oci-auth-fetch https://ghcr.io/v2/owner/image/manifests/latest
  oci-auth-fetch -o blob.tar.gz https://ghcr.io/v2/owner/image/blobs/sha256:…
  oci-auth-fetch -X POST -d @layer.tar.gz \\
      'https://registry.example/v2/team/app/blobs/uploads/?digest=sha256:…'
  oci-auth-fetch -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \\
      -d @manifest.json https://registry.example/v2/team/app/manifests/v1
  printf %s "$TOKEN" | oci-auth-fetch -u me --password-stdin https://…
`;

export const TOKEN_HELP = `Usage: oci-auth-fetch token [options] ${TOKEN_TARGET}

Prints a registry bearer token for the scopes (like crane auth token). REPOSITORY
asks for repository:REPOSITORY:pull (pull,push with --push); each --scope adds
its scope. A tag and a digest are ignored. docker.io means registry-1.docker.io,
and a one-part repository there gets library/ (docker.io/alpine).

The token is obtained as any request would obtain it: GET /v2/ is sent with the
scopes, and the bearer token that authenticates it is printed (a cached one while
it is valid, see Cache).

Options:
      --scope SCOPE        ask for SCOPE too (repeatable): repository:NAME:ACTIONS,
                           registry:catalog:*
      --push               ask for pull,push on REPOSITORY
      --json               print a JSON object: token, registry, realm, service,
                           scopes (asked), grant, expiresIn (s), expiresAt (ISO),
                           granted (from the JWT access claim, else null), claims
                           (the JWT payload, else null). Refresh tokens are never
                           printed
  -m, --max-time SECONDS   give up (exit 4) after this long
  -v, --verbose            trace the round trips and events on stderr (redacted)
  -h, --help               this help

${credentials('the registry asked', '')}

${CACHE}

${TRANSPORT}

${TOKEN_EXIT_CODES}

Examples:
  oci-auth-fetch token ghcr.io/owner/image
  oci-auth-fetch token --push --json registry.example/team/app
  oci-auth-fetch token --scope 'registry:catalog:*' registry.example
`;
