import { describe, it, expect } from 'vitest';
import { ScopeParseError } from '../src/errors.ts';
import { formatScope, mergeScopes, parseScope, scopeKey, scopesCover, scopesForRequest } from '../src/scope.ts';

describe('parseScope', () => {
  it('reads type, name and actions', () => {
    expect(parseScope('repository:library/alpine:pull')).toStrictEqual({
      type: 'repository',
      name: 'library/alpine',
      actions: ['pull'],
    });
  });

  it('sorts and dedupes actions, drops empty ones', () => {
    expect(parseScope('repository:a/b:push,pull,push,,delete').actions).toStrictEqual(['delete', 'pull', 'push']);
  });

  it('lets * absorb every other action', () => {
    expect(parseScope('repository:a:pull,*').actions).toStrictEqual(['*']);
    expect(parseScope('repository:a:*,push,pull').actions).toStrictEqual(['*']);
  });

  it('takes the type up to the first ":" and the actions after the last, so names hold host:port', () => {
    expect(parseScope('repository:localhost:5000/foo/bar:pull')).toStrictEqual({
      type: 'repository',
      name: 'localhost:5000/foo/bar',
      actions: ['pull'],
    });
    expect(parseScope('repository:a:b:c:push')).toStrictEqual({ type: 'repository', name: 'a:b:c', actions: ['push'] });
  });

  it('reads the catalog scope', () => {
    expect(parseScope('registry:catalog:*')).toStrictEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('reads the legacy resource class', () => {
    expect(parseScope('repository(plugin):x:pull')).toStrictEqual({
      type: 'repository',
      class: 'plugin',
      name: 'x',
      actions: ['pull'],
    });
  });

  it('allows an empty action list (the grammar allows an empty action)', () => {
    expect(parseScope('repository:a/b:')).toStrictEqual({ type: 'repository', name: 'a/b', actions: [] });
    expect(parseScope('repository:a/b:,').actions).toStrictEqual([]);
  });

  it('keeps case as sent', () => {
    expect(parseScope('repository:Library/Nginx:PULL')).toStrictEqual({
      type: 'repository',
      name: 'Library/Nginx',
      actions: ['PULL'],
    });
  });

  it.each([
    [''],
    ['repository'],
    ['repository:a'],
    [':a:pull'],
    ['repository::pull'],
    ['repository:a b:pull'],
    ['repository:a:pull push'],
    [' repository:a:pull'],
    ['repository:a:pull\n'],
    ['repository(:a:pull'],
    ['repository():a:pull'],
    ['repository(x)y:a:pull'],
    ['repository(x(y)):a:pull'],
    ['(x):a:pull'],
    ['repo,sitory:a:pull'],
  ])('rejects %j', (text) => {
    expect(() => parseScope(text)).toThrow(ScopeParseError);
  });

  it('throws ScopeParseError with its code', () => {
    try {
      parseScope('nope');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScopeParseError);
      expect((e as ScopeParseError).code).toBe('SCOPE_PARSE');
      expect((e as ScopeParseError).message).toBe(
        'Not a scope: expected type[(class)]:name:actions, with no whitespace, and no ":()," in the type',
      );
    }
  });

  it('reads strings only: an object that prints as a scope is not one', () => {
    expect(() => parseScope({ toString: () => 'repository:a:pull' } as unknown as string)).toThrow(ScopeParseError);
    expect(() => parseScope(undefined as unknown as string)).toThrow(ScopeParseError);
  });
});

describe('formatScope', () => {
  it('writes canonical text', () => {
    expect(formatScope({ type: 'repository', name: 'a/b', actions: ['push', 'pull', 'push'] })).toBe(
      'repository:a/b:pull,push',
    );
    expect(formatScope({ type: 'repository', name: 'a', actions: ['pull', '*'] })).toBe('repository:a:*');
    expect(formatScope({ type: 'registry', name: 'catalog', actions: ['*'] })).toBe('registry:catalog:*');
    expect(formatScope({ type: 'repository', class: 'plugin', name: 'x', actions: ['pull'] })).toBe(
      'repository(plugin):x:pull',
    );
    expect(formatScope({ type: 'repository', name: 'localhost:5000/foo', actions: [] })).toBe(
      'repository:localhost:5000/foo:',
    );
  });

  it('round-trips with parseScope', () => {
    for (const text of [
      'repository:a/b:pull,push',
      'repository:localhost:5000/foo/bar:delete,pull',
      'repository(plugin):x:*',
      'registry:catalog:*',
      'repository:a:',
    ]) {
      expect(formatScope(parseScope(text))).toBe(text);
    }
  });

  it('refuses parts that would change meaning', () => {
    expect(() => formatScope({ type: 'repository', name: 'a', actions: ['pull,push'] })).toThrow(ScopeParseError);
    expect(() => formatScope({ type: 'repository', name: 'a', actions: ['pu:ll'] })).toThrow(ScopeParseError);
    expect(() => formatScope({ type: 'repo:sitory', name: 'a', actions: ['pull'] })).toThrow(ScopeParseError);
    expect(() => formatScope({ type: 'repository(x)', name: 'a', actions: ['pull'] })).toThrow(ScopeParseError);
    expect(() => formatScope({ type: 'repository', name: '', actions: ['pull'] })).toThrow(ScopeParseError);
    expect(() => formatScope({ type: 'repository', name: 'a b', actions: ['pull'] })).toThrow(ScopeParseError);
    expect(() => formatScope({ type: 'repository', name: 'a', actions: ['pull,push'] })).toThrow(
      'A scope part contains a character that changes its meaning (":" "," "(" ")")',
    );
  });
});

describe('mergeScopes', () => {
  it('merges actions per resource', () => {
    expect(mergeScopes('repository:a:pull', 'repository:a:push')).toStrictEqual(['repository:a:pull,push']);
    expect(mergeScopes(['repository:a:push', 'repository:a:pull,delete'])).toStrictEqual([
      'repository:a:delete,pull,push',
    ]);
  });

  it('lets * absorb', () => {
    expect(mergeScopes('repository:a:pull', 'repository:a:*', 'repository:a:push')).toStrictEqual(['repository:a:*']);
  });

  it('splits space-separated scopes in strings and array items', () => {
    expect(
      mergeScopes('repository:team/x:pull,push repository:library/hello:pull', [
        'repository:team/x:pull  registry:catalog:*',
      ]),
    ).toStrictEqual(['registry:catalog:*', 'repository:library/hello:pull', 'repository:team/x:pull,push']);
  });

  it('keeps resources apart: names, host:port names and classes', () => {
    expect(
      mergeScopes(
        'repository:b:pull',
        'repository:a:pull',
        'repository(plugin):a:push',
        'repository:localhost:5000/a:push',
        'repository:localhost:5000/a:pull',
      ),
    ).toStrictEqual([
      'repository(plugin):a:push',
      'repository:a:pull',
      'repository:b:pull',
      'repository:localhost:5000/a:pull,push',
    ]);
  });

  it('dedupes and sorts into canonical form', () => {
    expect(mergeScopes('repository:b:push,pull', 'repository:a:pull', 'repository:b:pull,push')).toStrictEqual([
      'repository:a:pull',
      'repository:b:pull,push',
    ]);
  });

  it('keeps strings that are not scopes verbatim, deduped, never throws', () => {
    expect(mergeScopes('openid', 'repository:a:pull', ['openid', 'a:b', 'repository:a:push'], undefined)).toStrictEqual(
      ['a:b', 'openid', 'repository:a:pull,push'],
    );
    expect(mergeScopes('::', 'x::y', '(:a:b')).toStrictEqual(['(:a:b', '::', 'x::y']);
  });

  it('is idempotent', () => {
    const once = mergeScopes('repository:b:push repository:a:*', 'odd', ['repository:b:pull', 'registry:catalog:*']);
    expect(once).toStrictEqual(['odd', 'registry:catalog:*', 'repository:a:*', 'repository:b:pull,push']);
    expect(mergeScopes(once)).toStrictEqual(once);
  });

  it('handles empty input', () => {
    expect(mergeScopes()).toStrictEqual([]);
    expect(mergeScopes(undefined, '', '   ', [])).toStrictEqual([]);
  });

  it('keeps an empty action list, and merges it away', () => {
    expect(mergeScopes('repository:a:')).toStrictEqual(['repository:a:']);
    expect(mergeScopes('repository:a:', 'repository:a:pull')).toStrictEqual(['repository:a:pull']);
  });
});

describe('scopeKey', () => {
  it('is the same for equal scope sets, whatever the order or spelling', () => {
    const key = scopeKey(['repository:b:push', 'repository:a:pull', 'repository:b:pull']);
    expect(key).toBe('repository:a:pull repository:b:pull,push');
    expect(scopeKey(['repository:a:pull repository:b:pull,push'])).toBe(key);
    expect(scopeKey(['repository:b:push,pull,pull', 'repository:a:pull'])).toBe(key);
  });

  it('differs for different sets', () => {
    expect(scopeKey(['repository:a:pull'])).not.toBe(scopeKey(['repository:a:pull,push']));
  });

  it('is empty for no scopes', () => {
    expect(scopeKey([])).toBe('');
  });
});

describe('scopesCover', () => {
  it('covers exactly granted actions', () => {
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull,push'])).toBe(false);
    expect(scopesCover(['repository:a:pull', 'repository:a:push'], ['repository:a:push,pull'])).toBe(true);
  });

  it('needs every resource', () => {
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull', 'repository:b:pull'])).toBe(false);
    expect(scopesCover(['repository:a:pull repository:b:pull'], ['repository:b:pull repository:a:pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], ['repository(plugin):a:pull'])).toBe(false);
  });

  it('lets * cover any action, and only * cover *', () => {
    expect(scopesCover(['repository:a:*'], ['repository:a:pull,push,delete'])).toBe(true);
    expect(scopesCover(['repository:a:pull,push,delete'], ['repository:a:*'])).toBe(false);
    expect(scopesCover(['registry:catalog:*'], ['registry:catalog:*'])).toBe(true);
  });

  it('covers unparseable needed scopes only by the same string', () => {
    expect(scopesCover(['openid'], ['openid'])).toBe(true);
    expect(scopesCover(['repository:a:*'], ['openid'])).toBe(false);
    expect(scopesCover(['x::y'], ['x::y'])).toBe(true);
  });

  it('covers an empty need, and an empty action list', () => {
    expect(scopesCover([], [])).toBe(true);
    expect(scopesCover([], ['repository:a:'])).toBe(true);
    expect(scopesCover([], ['repository:a:pull'])).toBe(false);
  });

  it('matches host:port names exactly', () => {
    expect(scopesCover(['repository:localhost:5000/foo/bar:pull'], ['repository:localhost:5000/foo/bar:pull'])).toBe(
      true,
    );
    expect(scopesCover(['repository:localhost:5000/foo:pull'], ['repository:localhost:5000/foo/bar:pull'])).toBe(false);
  });
});

describe('scopesForRequest', () => {
  const base = 'https://registry.example.com';

  it.each([
    ['GET', 'repository:library/alpine:pull'],
    ['HEAD', 'repository:library/alpine:pull'],
    ['get', 'repository:library/alpine:pull'],
    ['PUT', 'repository:library/alpine:pull,push'],
    ['POST', 'repository:library/alpine:pull,push'],
    ['PATCH', 'repository:library/alpine:pull,push'],
    ['patch', 'repository:library/alpine:pull,push'],
    ['DELETE', 'repository:library/alpine:delete'],
  ])('manifests, %s', (method, scope) => {
    expect(scopesForRequest(`${base}/v2/library/alpine/manifests/latest`, method)).toStrictEqual([scope]);
  });

  it('gives nothing for methods outside the routes', () => {
    expect(scopesForRequest(`${base}/v2/a/manifests/latest`, 'OPTIONS')).toStrictEqual([]);
    expect(scopesForRequest(`${base}/v2/a/manifests/latest`, 'TRACE')).toStrictEqual([]);
  });

  it.each([
    ['/v2/a/b/c/manifests/latest', 'GET', ['repository:a/b/c:pull']],
    ['/v2/a/manifests/sha256:abc', 'DELETE', ['repository:a:delete']],
    ['/v2/a/blobs/sha256:abc', 'GET', ['repository:a:pull']],
    ['/v2/a/blobs/sha256:abc', 'HEAD', ['repository:a:pull']],
    ['/v2/a/blobs/sha256:abc', 'DELETE', ['repository:a:delete']],
    ['/v2/a/b/blobs/uploads/', 'POST', ['repository:a/b:pull,push']],
    ['/v2/a/b/blobs/uploads', 'POST', ['repository:a/b:pull,push']],
    ['/v2/a/b/blobs/uploads/1f3c-uuid', 'PATCH', ['repository:a/b:pull,push']],
    ['/v2/a/b/blobs/uploads/1f3c-uuid', 'PUT', ['repository:a/b:pull,push']],
    ['/v2/a/b/blobs/uploads/1f3c-uuid', 'GET', ['repository:a/b:pull']],
    ['/v2/a/b/blobs/uploads/1f3c-uuid', 'DELETE', ['repository:a/b:delete']],
    ['/v2/a/b/tags/list', 'GET', ['repository:a/b:pull']],
    ['/v2/a/b/referrers/sha256:abc', 'GET', ['repository:a/b:pull']],
    ['/v2/_catalog', 'GET', ['registry:catalog:*']],
    ['/v2/_catalog', 'DELETE', ['registry:catalog:*']],
    ['/v2/_catalog/', 'GET', []],
    ['/v2/', 'GET', []],
    ['/v2', 'GET', []],
    ['/', 'GET', []],
    ['/v2/a', 'GET', []],
    ['/v2/a/manifests', 'GET', []],
    ['/v2/a/manifests/', 'GET', []],
    ['/v2/a/manifests/latest/', 'GET', []],
    ['/v2/a/tags', 'GET', []],
    ['/v2/a/tags/other', 'GET', []],
    ['/v2/manifests/latest', 'GET', []],
    ['/v2/a//manifests/latest', 'GET', []],
    ['/v3/a/manifests/latest', 'GET', []],
    ['/other/a/manifests/latest', 'GET', []],
    ['/V2/a/manifests/latest', 'GET', []],
  ])('%s %s', (path, method, scopes) => {
    expect(scopesForRequest(`${base}${path}`, method)).toStrictEqual(scopes);
  });

  it('lets names hold route words', () => {
    expect(scopesForRequest(`${base}/v2/foo/manifests/manifests/latest`, 'GET')).toStrictEqual([
      'repository:foo/manifests:pull',
    ]);
    expect(scopesForRequest(`${base}/v2/blobs/tags/list`, 'GET')).toStrictEqual(['repository:blobs:pull']);
  });

  it('ignores the query string and takes URL objects and bare paths', () => {
    expect(scopesForRequest(new URL(`${base}/v2/a/tags/list?n=10&last=x`), 'GET')).toStrictEqual(['repository:a:pull']);
    expect(scopesForRequest('/v2/a/manifests/latest', 'GET')).toStrictEqual(['repository:a:pull']);
    expect(scopesForRequest('http://[bad', 'GET')).toStrictEqual([]);
  });

  it('adds pull on the source of a cross-repository mount', () => {
    expect(
      scopesForRequest(`${base}/v2/team/x/blobs/uploads/?mount=sha256:abc&from=library/hello`, 'POST'),
    ).toStrictEqual(['repository:library/hello:pull', 'repository:team/x:pull,push']);
    // the upload route without its trailing slash is the upload route too
    expect(
      scopesForRequest(`${base}/v2/team/x/blobs/uploads?mount=sha256:abc&from=library/hello`, 'POST'),
    ).toStrictEqual(['repository:library/hello:pull', 'repository:team/x:pull,push']);
    // from the same repository: merged
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?mount=sha256:abc&from=a`, 'POST')).toStrictEqual([
      'repository:a:pull,push',
    ]);
    // decoded like any query parameter
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?from=lib%2Fhello&mount=sha256%3Aabc`, 'POST')).toStrictEqual([
      'repository:a:pull,push',
      'repository:lib/hello:pull',
    ]);
  });

  it('adds no mount source unless it is a POST to the upload route with mount and one sane from', () => {
    const only = ['repository:a:pull,push'];
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?from=b`, 'POST')).toStrictEqual(only);
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?mount=sha256:abc&from=`, 'POST')).toStrictEqual(only);
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?mount=sha256:abc&from=b&from=c`, 'POST')).toStrictEqual(only);
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?mount=sha256:abc&from=b+c`, 'POST')).toStrictEqual(only);
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?mount=sha256:abc&from=b//c`, 'POST')).toStrictEqual(only);
    expect(scopesForRequest(`${base}/v2/a/blobs/uploads/?mount=sha256:abc&from=b`, 'GET')).toStrictEqual([
      'repository:a:pull',
    ]);
    expect(scopesForRequest(`${base}/v2/a/manifests/latest?mount=sha256:abc&from=b`, 'PUT')).toStrictEqual(only);
  });

  it('takes the first /v2/ that starts a route: path prefixes and repositories named v2', () => {
    expect(scopesForRequest(`${base}/proxy/v2/a/b/manifests/latest`, 'GET')).toStrictEqual(['repository:a/b:pull']);
    expect(scopesForRequest(`${base}/proxy/v2/_catalog`, 'GET')).toStrictEqual(['registry:catalog:*']);
    expect(scopesForRequest(`${base}/v2/v2/manifests/latest`, 'GET')).toStrictEqual(['repository:v2:pull']);
    expect(scopesForRequest(`${base}/v2/team/v2/blobs/sha256:abc`, 'GET')).toStrictEqual(['repository:team/v2:pull']);
    expect(scopesForRequest(`${base}/a/v2/b/v2/`, 'GET')).toStrictEqual([]);
    expect(scopesForRequest(`${base}/v2/x/v2/a/manifests/latest`, 'GET')).toStrictEqual(['repository:x/v2/a:pull']);
  });

  it('decodes percent-escapes in the name', () => {
    expect(scopesForRequest(`${base}/v2/lib%72ary/alpine/manifests/latest`, 'GET')).toStrictEqual([
      'repository:library/alpine:pull',
    ]);
  });

  it('never names another repository: no scope when a component is odd', () => {
    expect(scopesForRequest(`${base}/v2/a%2Fb/manifests/latest`, 'GET')).toStrictEqual([]);
    expect(scopesForRequest(`${base}/v2/a%20b/manifests/latest`, 'GET')).toStrictEqual([]);
    expect(scopesForRequest(`${base}/v2/a%0Ab/manifests/latest`, 'GET')).toStrictEqual([]);
    expect(scopesForRequest(`${base}/v2/a%E0%A4/manifests/latest`, 'GET')).toStrictEqual([]);
    // dot segments are resolved by URL parsing before routing
    expect(scopesForRequest(`${base}/v2/a/../b/manifests/latest`, 'GET')).toStrictEqual(['repository:b:pull']);
    expect(scopesForRequest(`${base}/v2/a/%2e%2e/b/manifests/latest`, 'GET')).toStrictEqual(['repository:b:pull']);
  });

  it('gives canonical scopes (mergeScopes form)', () => {
    const scopes = scopesForRequest(`${base}/v2/z/blobs/uploads/?mount=d&from=a`, 'POST');
    expect(mergeScopes(scopes)).toStrictEqual(scopes);
  });
});
