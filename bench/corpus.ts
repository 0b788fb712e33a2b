// WWW-Authenticate headers as registries send them and as RFC 9110 / 7616 / 7235 write them, each with the
// answer worked out by hand from the grammar (not from any parser's output). `expect` lists every challenge.

export interface ExpectedChallenge {
  scheme: string;
  params: Record<string, string>;
  token68?: string;
}

export interface CorpusEntry {
  name: string;
  kind: 'registry' | 'rfc' | 'invalid';
  header: string;
  expect: ExpectedChallenge[] | 'error';
}

const B = (params: Record<string, string>): ExpectedChallenge => ({ scheme: 'bearer', params });

export const corpus: CorpusEntry[] = [
  {
    name: 'Docker Hub',
    kind: 'registry',
    header:
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
    expect: [
      B({
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/alpine:pull',
      }),
    ],
  },
  {
    name: 'Docker Hub insufficient_scope',
    kind: 'registry',
    header:
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push",error="insufficient_scope"',
    expect: [
      B({
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/alpine:pull,push',
        error: 'insufficient_scope',
      }),
    ],
  },
  {
    name: 'GHCR',
    kind: 'registry',
    header: 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
    expect: [B({ realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' })],
  },
  {
    name: 'Artifact Registry',
    kind: 'registry',
    header:
      'Bearer realm="https://us-docker.pkg.dev/v2/token",service="us-docker.pkg.dev",scope="repository:proj/repo/img:pull"',
    expect: [
      B({
        realm: 'https://us-docker.pkg.dev/v2/token',
        service: 'us-docker.pkg.dev',
        scope: 'repository:proj/repo/img:pull',
      }),
    ],
  },
  {
    name: 'Quay',
    kind: 'registry',
    header: 'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:org/repo:pull"',
    expect: [B({ realm: 'https://quay.io/v2/auth', service: 'quay.io', scope: 'repository:org/repo:pull' })],
  },
  {
    name: 'ECR (Basic)',
    kind: 'registry',
    header: 'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
    expect: [
      {
        scheme: 'basic',
        params: { realm: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/', service: 'ecr.amazonaws.com' },
      },
    ],
  },
  {
    name: 'Nexus (upper-case BASIC)',
    kind: 'registry',
    header: 'BASIC realm="Sonatype Nexus Repository Manager"',
    expect: [{ scheme: 'basic', params: { realm: 'Sonatype Nexus Repository Manager' } }],
  },
  {
    name: 'Harbor',
    kind: 'registry',
    header:
      'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:library/nginx:pull,push"',
    expect: [
      B({
        realm: 'https://harbor.example.com/service/token',
        service: 'harbor-registry',
        scope: 'repository:library/nginx:pull,push',
      }),
    ],
  },
  {
    name: 'ACR',
    kind: 'registry',
    header:
      'Bearer realm="https://myregistry.azurecr.io/oauth2/token",service="myregistry.azurecr.io",scope="repository:samples/hello:metadata_read"',
    expect: [
      B({
        realm: 'https://myregistry.azurecr.io/oauth2/token',
        service: 'myregistry.azurecr.io',
        scope: 'repository:samples/hello:metadata_read',
      }),
    ],
  },
  {
    name: 'GitLab',
    kind: 'registry',
    header:
      'Bearer realm="https://gitlab.com/jwt/auth",service="container_registry",scope="repository:group/project:pull"',
    expect: [
      B({
        realm: 'https://gitlab.com/jwt/auth',
        service: 'container_registry',
        scope: 'repository:group/project:pull',
      }),
    ],
  },
  {
    name: 'Artifactory',
    kind: 'registry',
    header:
      'Bearer realm="https://art.example.com/artifactory/api/docker/docker-remote/v2/token",service="art.example.com"',
    expect: [
      B({ realm: 'https://art.example.com/artifactory/api/docker/docker-remote/v2/token', service: 'art.example.com' }),
    ],
  },
  {
    name: 'distribution /v2/ (no scope)',
    kind: 'registry',
    header: 'Bearer realm="https://auth.example.com/token",service="registry.example.com"',
    expect: [B({ realm: 'https://auth.example.com/token', service: 'registry.example.com' })],
  },
  {
    name: 'django-oci (no scheme)',
    kind: 'registry',
    header:
      'realm="http://127.0.0.1:8000/auth/token",service="http://127.0.0.1:8000",scope="repository:test/hello:push,pull"',
    expect: [
      B({
        realm: 'http://127.0.0.1:8000/auth/token',
        service: 'http://127.0.0.1:8000',
        scope: 'repository:test/hello:push,pull',
      }),
    ],
  },
  {
    name: 'unquoted realm URL',
    kind: 'registry',
    header: 'Bearer realm=https://auth.example.com/token,service=registry.example.com',
    expect: [B({ realm: 'https://auth.example.com/token', service: 'registry.example.com' })],
  },
  {
    name: 'repeated scope params',
    kind: 'registry',
    header: 'Bearer realm="https://a.example/t",service="s",scope="repository:a:pull",scope="repository:b:pull"',
    expect: [B({ realm: 'https://a.example/t', service: 's', scope: 'repository:a:pull repository:b:pull' })],
  },
  {
    name: 'mount: two scopes in one param',
    kind: 'registry',
    header: 'Bearer realm="https://a.example/t",service="s",scope="repository:dst:pull,push repository:src:pull"',
    expect: [B({ realm: 'https://a.example/t', service: 's', scope: 'repository:dst:pull,push repository:src:pull' })],
  },
  {
    name: 'catalog',
    kind: 'registry',
    header: 'Bearer realm="https://a.example/t",service="s",scope="registry:catalog:*"',
    expect: [B({ realm: 'https://a.example/t', service: 's', scope: 'registry:catalog:*' })],
  },
  {
    name: 'error_description with a comma',
    kind: 'registry',
    header:
      'Bearer realm="https://a.example/t",error="invalid_token",error_description="The access token expired, get a new one"',
    expect: [
      B({
        realm: 'https://a.example/t',
        error: 'invalid_token',
        error_description: 'The access token expired, get a new one',
      }),
    ],
  },
  {
    name: 'Bearer then Basic in one field',
    kind: 'registry',
    header: 'Bearer realm="https://a.example/t",service="s", Basic realm="Nexus"',
    expect: [B({ realm: 'https://a.example/t', service: 's' }), { scheme: 'basic', params: { realm: 'Nexus' } }],
  },
  {
    name: 'Basic then Bearer (fields joined by fetch)',
    kind: 'registry',
    header: 'Basic realm="Registry Realm", Bearer realm="https://a.example/t",service="s"',
    expect: [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      B({ realm: 'https://a.example/t', service: 's' }),
    ],
  },
  {
    name: 'spaces after commas',
    kind: 'registry',
    header: 'Bearer realm="https://a.example/t", error="insufficient_scope", scope="repository:x:pull"',
    expect: [B({ realm: 'https://a.example/t', error: 'insufficient_scope', scope: 'repository:x:pull' })],
  },
  {
    name: 'RFC 9110 §11.6.1 example',
    kind: 'rfc',
    header: 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
    expect: [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ],
  },
  {
    name: 'Basic realm',
    kind: 'rfc',
    header: 'Basic realm="simple"',
    expect: [{ scheme: 'basic', params: { realm: 'simple' } }],
  },
  {
    name: 'token68',
    kind: 'rfc',
    header: 'Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu==',
    expect: [{ scheme: 'negotiate', params: {}, token68: 'YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu==' }],
  },
  {
    name: 'token68 then Basic',
    kind: 'rfc',
    header: 'Negotiate abc==, Basic realm="x"',
    expect: [
      { scheme: 'negotiate', params: {}, token68: 'abc==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ],
  },
  {
    name: 'RFC 7616 Digest',
    kind: 'rfc',
    header:
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    expect: [
      {
        scheme: 'digest',
        params: {
          realm: 'http-auth@example.org',
          qop: 'auth, auth-int',
          algorithm: 'SHA-256',
          nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
          opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
        },
      },
    ],
  },
  {
    name: 'BWS around "="',
    kind: 'rfc',
    header: 'Basic realm = "x"',
    expect: [{ scheme: 'basic', params: { realm: 'x' } }],
  },
  {
    name: 'escaped backslash',
    kind: 'rfc',
    header: 'Basic realm="a\\\\b"',
    expect: [{ scheme: 'basic', params: { realm: 'a\\b' } }],
  },
  { name: 'case-insensitive names', kind: 'rfc', header: 'BEARER REALM="x"', expect: [B({ realm: 'x' })] },
  {
    name: 'empty list elements',
    kind: 'rfc',
    header: ', Basic realm="x" ,, ',
    expect: [{ scheme: 'basic', params: { realm: 'x' } }],
  },
  { name: 'scheme alone', kind: 'rfc', header: 'Basic', expect: [{ scheme: 'basic', params: {} }] },
  {
    name: 'RFC 7617 charset',
    kind: 'rfc',
    header: 'Basic realm="foo", charset="UTF-8"',
    expect: [{ scheme: 'basic', params: { realm: 'foo', charset: 'UTF-8' } }],
  },
  {
    name: 'obs-text in a quoted-string',
    kind: 'rfc',
    header: 'Basic realm="Grüße"',
    expect: [{ scheme: 'basic', params: { realm: 'Grüße' } }],
  },
  {
    name: 'token value with "/"-free chars',
    kind: 'rfc',
    header: 'Bearer realm="x", error=invalid_request',
    expect: [B({ realm: 'x', error: 'invalid_request' })],
  },
  { name: 'duplicate realm', kind: 'invalid', header: 'Basic realm="foo", realm="bar"', expect: 'error' },
  { name: 'unterminated quoted-string', kind: 'invalid', header: 'Basic realm="basic', expect: 'error' },
  { name: 'backslash outside quotes', kind: 'invalid', header: 'Basic realm=\\f\\o\\o', expect: 'error' },
  { name: 'missing comma', kind: 'invalid', header: 'Bearer realm="a" x', expect: 'error' },
];
