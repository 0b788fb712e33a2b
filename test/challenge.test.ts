import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { formatChallenge, parseChallenges, selectChallenge } from '../src/challenge.ts';
import { ChallengeParseError } from '../src/errors.ts';
import type { Challenge } from '../src/types.ts';
import { adversarialHeaders, outcomeOf } from './support/adversarial-headers.ts';

interface Fixture {
  id: string;
  category: string;
  header?: string;
  headers?: string[];
  header_bytes_hex?: string;
  expected?: Challenge[];
  expected_error?: boolean;
  alternatives?: { policy: string; expected: Challenge[] }[];
  notes?: string;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL('./fixtures/challenges-rfc.json', import.meta.url), 'utf8'),
);

/** What we do for each fixture the corpus marks as an error (docs/challenges.md: "Leniencies" and "Errors"). */
const ERROR_POLICY: Record<string, 'throw' | string> = {
  'greenbytes-simplebasictokbs': 'throw',
  'greenbytes-simplebasiccomma2': 'throw',
  'greenbytes-simplebasic2realms': 'throw',
  'greenbytes-missingquote': 'throw',
  'duplicate-param-different-case': 'throw',
  'duplicate-scope-params': 'collect repeated scope params (scope.md reading)',
  'htab-after-scheme': 'lenient: any whitespace after scheme',
};

/** Parses header and returns the ChallengeParseError it must throw. */
function parseError(header: string): ChallengeParseError {
  try {
    parseChallenges(header);
  } catch (e) {
    expect(e).toBeInstanceOf(ChallengeParseError);
    const err = e as ChallengeParseError;
    expect(err.code).toBe('CHALLENGE_PARSE');
    expect(err.position).toBeGreaterThanOrEqual(0);
    expect(err.position).toBeLessThanOrEqual(header.length);
    return err;
  }
  throw new Error(`expected a ChallengeParseError for ${JSON.stringify(header.slice(0, 80))}`);
}

function headerOf(f: Fixture): string {
  return f.headers ? f.headers.join(', ') : (f.header ?? '');
}

describe('parseChallenges: fixture corpus', () => {
  it('has the 54 cases, and a policy for each error case', () => {
    expect(fixtures).toHaveLength(54);
    const errorIds = fixtures.filter((f) => f.expected_error).map((f) => f.id);
    expect(errorIds.sort()).toEqual(Object.keys(ERROR_POLICY).sort());
  });

  for (const f of fixtures) {
    it(`${f.id}`, () => {
      const header = headerOf(f);
      if (f.header_bytes_hex) {
        // The JSON text is the byte string as fetch exposes it: one code unit per byte.
        expect(Buffer.from(f.header_bytes_hex, 'hex').toString('latin1')).toBe(header);
      }
      if (f.expected) {
        expect(parseChallenges(header)).toStrictEqual(f.expected);
        return;
      }
      const policy = ERROR_POLICY[f.id];
      if (policy === 'throw') {
        parseError(header);
        return;
      }
      const alternative = f.alternatives?.find((a) => a.policy === policy);
      expect(alternative).toBeDefined();
      expect(parseChallenges(header)).toStrictEqual(alternative!.expected);
    });
  }
});

describe('parseChallenges: error positions', () => {
  it.each([
    ['Basic realm=\\f\\o\\o', 12],
    ['Basic, realm="foo"', 7],
    ['Basic realm="foo", realm="bar"', 19],
    ['Bearer realm="https://a.example/token", REALM="https://b.example/token"', 40],
    ['Basic realm="basic', 18],
    ['Basic foo bar', 6],
    ['Basic realm="a" x', 16],
    ['Basic realm="a\u0001"', 14],
    ['Basic realm="a\\\u0000"', 15],
    ['Basic realm=a;b', 13],
  ])('%j stops at %i', (header, position) => {
    expect(parseError(header).position).toBe(position);
  });

  it('reports offsets in the original text when obs-folds were unfolded', () => {
    // Unfolding removes "\r\n" and one extra space; the bad "\" is at offset 15 of the input.
    expect(parseError('Basic\r\n  realm=\\x').position).toBe(15);
    expect(parseError('Basic realm="x\r\n y').position).toBe(18);
  });

  it('rejects a bare CR or LF', () => {
    expect(parseError('Basic\rrealm="x"').position).toBe(5);
    expect(parseError('Basic\nrealm="x"').position).toBe(5);
    expect(parseError('Basic realm="x"\r\n').position).toBe(15);
  });

  it('never throws anything but ChallengeParseError', () => {
    expect(() => parseChallenges(undefined as unknown as string)).toThrow(ChallengeParseError);
    for (const h of ['"', '=', '=x', '\\', 'a="', 'a b c', '(', 'Basic ,=', 'Basic realm==x', '\u0000', 'ä']) {
      parseError(h);
    }
  });

  it('does not echo header text in messages', () => {
    const err = parseError('Bearer secret-token-value "oops');
    expect(err.message).not.toContain('secret-token-value');
  });
});

describe('parseChallenges: grammar details', () => {
  it('reads `Bearer realm=` as a token68, not an empty realm', () => {
    expect(parseChallenges('Bearer realm=')).toStrictEqual([{ scheme: 'bearer', params: {}, token68: 'realm=' }]);
    expect(parseChallenges('Bearer realm= , Basic')).toStrictEqual([
      { scheme: 'bearer', params: {}, token68: 'realm=' },
      { scheme: 'basic', params: {} },
    ]);
  });

  it('keeps token68 characters that are not tchars', () => {
    expect(parseChallenges('Negotiate a/b+c==')).toStrictEqual([
      { scheme: 'negotiate', params: {}, token68: 'a/b+c==' },
    ]);
  });

  it('allows OWS around "=" and ","', () => {
    expect(parseChallenges('Bearer\trealm\t=\t"r" \t,\t service = s ,')).toStrictEqual([
      { scheme: 'bearer', params: { realm: 'r', service: 's' } },
    ]);
  });

  it('keeps commas, "=" and obs-text inside quoted strings and unescapes any quoted-pair', () => {
    expect(parseChallenges('Bearer a="x, y=z", b="\\a\\\\\\"", c="\u00e9\u00ff", d=""')).toStrictEqual([
      { scheme: 'bearer', params: { a: 'x, y=z', b: 'a\\"', c: '\u00e9\u00ff', d: '' } },
    ]);
  });

  it('keeps `__proto__` and `constructor` as plain params', () => {
    const [c] = parseChallenges('Bearer __proto__="x", constructor="y"');
    expect(Object.getPrototypeOf(c!.params)).toBe(Object.prototype);
    expect(Object.keys(c!.params)).toEqual(['__proto__', 'constructor']);
    // biome-ignore lint/complexity/useLiteralKeys: the own property named __proto__, not the accessor
    // biome-ignore lint/suspicious/noProto: same
    expect(c!.params['__proto__']).toBe('x');
    expect(c!.params.constructor).toBe('y');
  });

  it('collects repeated scope params, in order, skipping empty ones', () => {
    expect(parseChallenges('Bearer scope="a:b:pull", SCOPE=c:d:push, scope="", scope="e:f:*"')).toStrictEqual([
      { scheme: 'bearer', params: { scope: 'a:b:pull c:d:push e:f:*' } },
    ]);
  });

  it('unfolds obs-fold to a single space, also inside quotes', () => {
    expect(parseChallenges('Basic realm="a\r\n \t b",\r\n\tx=y')).toStrictEqual([
      { scheme: 'basic', params: { realm: 'a b', x: 'y' } },
    ]);
  });

  it('accepts unquoted values with "/" or ":" up to "," or whitespace, and nothing else', () => {
    expect(parseChallenges('Bearer realm=https://auth.example.com/token?a=b,service=reg:5000')).toStrictEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token?a=b', service: 'reg:5000' } },
    ]);
    parseError('Bearer realm=a=b');
    parseError('Bearer realm=https://x/t extra');
    parseError('Bearer realm=caf\u00e9:x');
  });

  it('takes a scheme-less header only at the start', () => {
    expect(parseChallenges(' , realm="r", Basic')).toStrictEqual([
      { scheme: 'bearer', params: { realm: 'r' } },
      { scheme: 'basic', params: {} },
    ]);
    parseError('Basic realm="a", Negotiate abc, realm="r"');
  });

  it('does not let a token68 challenge take params', () => {
    expect(parseError('Negotiate abc, realm="x"').position).toBe(15);
  });
});

describe('parseChallenges: real registries', () => {
  const cases: [string, string, Challenge[]][] = [
    [
      'Docker Hub',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/alpine:pull',
          },
        },
      ],
    ],
    [
      'Docker Hub insufficient_scope',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push",error="insufficient_scope"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:samalba/my-app:pull,push',
            error: 'insufficient_scope',
          },
        },
      ],
    ],
    [
      'GHCR placeholder scope on /v2/',
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' },
        },
      ],
    ],
    [
      'ECR private (Basic)',
      'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
      [
        {
          scheme: 'basic',
          params: { realm: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/', service: 'ecr.amazonaws.com' },
        },
      ],
    ],
    [
      'Nexus BASIC',
      'BASIC realm="Sonatype Nexus Repository Manager"',
      [{ scheme: 'basic', params: { realm: 'Sonatype Nexus Repository Manager' } }],
    ],
    [
      'ACR',
      'Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",scope="repository:hello-world:pull",error="invalid_token"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://myreg.azurecr.io/oauth2/token',
            service: 'myreg.azurecr.io',
            scope: 'repository:hello-world:pull',
            error: 'invalid_token',
          },
        },
      ],
    ],
    [
      'Harbor bearer',
      'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:library/nginx:pull,push"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://harbor.example.com/service/token',
            service: 'harbor-registry',
            scope: 'repository:library/nginx:pull,push',
          },
        },
      ],
    ],
    ['Harbor basic fallback', 'Basic realm="harbor"', [{ scheme: 'basic', params: { realm: 'harbor' } }]],
    [
      'Negotiate before Basic (two fields joined by fetch)',
      ['Negotiate', 'Basic realm="Artifactory Realm"'].join(', '),
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'basic', params: { realm: 'Artifactory Realm' } },
      ],
    ],
    [
      'django-oci (no scheme)',
      'realm="http://h/auth/token",service="http://h",scope="repository:a/b:push,pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'http://h/auth/token', service: 'http://h', scope: 'repository:a/b:push,pull' },
        },
      ],
    ],
    [
      'unquoted URL realm',
      'Bearer realm=https://auth.example.com/token,service=registry.example.com,scope=repository:a/b:pull',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.example.com/token',
            service: 'registry.example.com',
            scope: 'repository:a/b:pull',
          },
        },
      ],
    ],
    [
      'cross-repository mount',
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/x:pull,push repository:library/hello:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.example.com/token',
            service: 'registry.example.com',
            scope: 'repository:team/x:pull,push repository:library/hello:pull',
          },
        },
      ],
    ],
  ];
  it.each(cases)('%s', (_name, header, expected) => {
    expect(parseChallenges(header)).toStrictEqual(expected);
  });
});

describe('selectChallenge', () => {
  const bearer: Challenge = { scheme: 'bearer', params: { realm: 'b' } };
  const bearer2: Challenge = { scheme: 'bearer', params: { realm: 'b2' } };
  const basic: Challenge = { scheme: 'basic', params: { realm: 'a' } };
  const negotiate: Challenge = { scheme: 'negotiate', params: {}, token68: 'x' };
  const digest: Challenge = { scheme: 'digest', params: { realm: 'd' } };

  it('prefers Bearer over Basic over anything else, whatever the order', () => {
    expect(selectChallenge([basic, bearer])).toBe(bearer);
    expect(selectChallenge([bearer, basic])).toBe(bearer);
    expect(selectChallenge([negotiate, digest, basic])).toBe(basic);
    expect(selectChallenge([negotiate, basic, digest, bearer])).toBe(bearer);
  });

  it('takes the first of several Bearer challenges', () => {
    expect(selectChallenge([basic, bearer, bearer2])).toBe(bearer);
  });

  it('is undefined without Bearer or Basic', () => {
    expect(selectChallenge([])).toBeUndefined();
    expect(selectChallenge([negotiate, digest])).toBeUndefined();
  });

  it('works on parsed headers', () => {
    expect(selectChallenge(parseChallenges('Negotiate, NTLM, BASIC realm="x"'))).toStrictEqual({
      scheme: 'basic',
      params: { realm: 'x' },
    });
    expect(selectChallenge(parseChallenges('Basic realm="a", Bearer realm="b",service="c"'))?.params).toStrictEqual({
      realm: 'b',
      service: 'c',
    });
  });

  it('matches scheme case-insensitively on hand-built challenges', () => {
    const c: Challenge = { scheme: 'Bearer', params: {} };
    expect(selectChallenge([basic, c])).toBe(c);
  });
});

describe('formatChallenge', () => {
  it('writes params quoted and escaped, token68 bare, and a lone scheme', () => {
    expect(formatChallenge({ scheme: 'bearer', params: { realm: 'https://a/t', service: 'r' } })).toBe(
      'bearer realm="https://a/t", service="r"',
    );
    expect(formatChallenge({ scheme: 'basic', params: { realm: 'say "hi" \\o/' } })).toBe(
      'basic realm="say \\"hi\\" \\\\o/"',
    );
    expect(formatChallenge({ scheme: 'negotiate', params: {}, token68: 'abc==' })).toBe('negotiate abc==');
    expect(formatChallenge({ scheme: 'basic', params: {} })).toBe('basic');
  });

  it('round-trips every challenge of the corpus', () => {
    const all = fixtures.flatMap((f) => f.expected ?? []);
    expect(all.length).toBeGreaterThan(50);
    for (const c of all) expect(parseChallenges(formatChallenge(c))).toStrictEqual([c]);
  });

  it('round-trips awkward values', () => {
    const values = [
      '',
      ' ',
      '"',
      '\\',
      '\\"',
      'a, b',
      'x=y',
      '\t',
      'caf\u00e9',
      '\u00ff\u0080',
      'tr\u00e8s "\\',
      '=',
      ',',
    ];
    for (const v of values) {
      const c: Challenge = { scheme: 'bearer', params: { realm: v, scope: v } };
      expect(parseChallenges(formatChallenge(c))).toStrictEqual([c]);
    }
    for (const t of ['realm=', 'a', 'A/b+C-._~==']) {
      const c: Challenge = { scheme: 'x', params: {}, token68: t };
      expect(parseChallenges(formatChallenge(c))).toStrictEqual([c]);
    }
  });

  it('round-trips random challenges (seeded)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const tchars = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";
    const t68 = 'abcXYZ0189-._~+/';
    const pick = (set: string, min: number, max: number): string => {
      let s = '';
      for (let n = min + rnd(max - min + 1); n > 0; n--) s += set[rnd(set.length)];
      return s;
    };
    const valueChars = ' \t"\\,=;:/aZ09\u00e9\u00ff~';
    for (let i = 0; i < 500; i++) {
      const list: Challenge[] = [];
      for (let k = 1 + rnd(3); k > 0; k--) {
        const scheme = pick(tchars, 1, 8);
        if (rnd(4) === 0) {
          list.push({ scheme, params: {}, token68: pick(t68, 1, 12) + '='.repeat(rnd(3)) });
          continue;
        }
        const params: Record<string, string> = {};
        for (let p = rnd(4); p > 0; p--) params[pick(tchars, 1, 6)] = pick(valueChars, 0, 10);
        list.push({ scheme, params });
      }
      const text = list.map(formatChallenge).join(', ');
      expect(parseChallenges(text)).toStrictEqual(list);
    }
  });

  it('refuses what the grammar cannot carry', () => {
    expect(() => formatChallenge({ scheme: 'bad scheme', params: {} })).toThrow(TypeError);
    expect(() => formatChallenge({ scheme: '', params: {} })).toThrow(TypeError);
    expect(() => formatChallenge({ scheme: 'b', params: { 'bad name': 'x' } })).toThrow(TypeError);
    expect(() => formatChallenge({ scheme: 'b', params: { realm: 'a\r\nb' } })).toThrow(TypeError);
    expect(() => formatChallenge({ scheme: 'b', params: {}, token68: '=abc' })).toThrow(TypeError);
    expect(() => formatChallenge({ scheme: 'b', params: { a: 'x' }, token68: 'abc' })).toThrow(TypeError);
  });
});

describe('parseChallenges: megabyte inputs', () => {
  // Linear time is checked by counting regex work in test/challenge-linear.test.ts (its own process: replacing
  // RegExp.prototype.exec slows every later regex in the process); here, the exact outcome at 1 and 2 MiB, and no
  // regex stack overflow escaping as another error.
  const MB = 1 << 20;
  for (const [name, build, check] of adversarialHeaders) {
    it(name, () => {
      const small = build(MB);
      const large = build(2 * MB);
      check(outcomeOf(small), small);
      check(outcomeOf(large), large);
    });
  }
});

describe('error messages say what went wrong', () => {
  it.each([
    ['Basic realm="a" x', 16, 'expected "," or end of header'],
    ['Basic foo bar', 6, 'expected token68 or auth-param'],
    ['=x', 0, 'expected an auth-scheme or an auth-param'],
    ['Basic, realm="foo"', 7, 'auth-param outside a challenge'],
    ['Basic realm=;', 12, 'expected a token or a quoted-string'],
    ['Basic realm="a\u0001"', 14, 'control character in quoted-string'],
    ['Basic realm="basic', 18, 'quoted-string not closed'],
    ['Basic realm="foo", realm="bar"', 19, 'duplicate parameter'],
  ])('%j: at %i, %s', (header, position, why) => {
    const error = parseError(header);
    expect(error.position).toBe(position);
    expect(error.message).toBe(`Cannot parse WWW-Authenticate at offset ${position}: ${why}`);
  });

  it('a header that is not a string: at 0', () => {
    expect(() => parseChallenges(42 as unknown as string)).toThrow(
      expect.objectContaining({
        name: 'ChallengeParseError',
        position: 0,
        message: 'Cannot parse WWW-Authenticate at offset 0: header is not a string',
      }),
    );
  });

  it('formatChallenge says which part cannot be written', () => {
    const cases: Array<[Challenge, string]> = [
      [{ scheme: 'a b', params: {} }, 'scheme is not a token'],
      [{ scheme: 'n', params: {}, token68: 'a b' }, 'malformed token68'],
      [{ scheme: 'n', params: { a: 'b' }, token68: 'ab' }, 'token68 and params together'],
      [{ scheme: 'b', params: { 'a b': 'x' } }, 'param name is not a token'],
      [{ scheme: 'b', params: { a: 'x\u0001' } }, 'control character in a value'],
    ];
    for (const [challenge, why] of cases)
      expect(() => formatChallenge(challenge)).toThrow(new TypeError(`formatChallenge: ${why}`));
  });

  it('a `__proto__` param is an ordinary own property: enumerable, writable, configurable', () => {
    const [c] = parseChallenges('Bearer __proto__="x"');
    expect(Object.getOwnPropertyDescriptor(c!.params, '__proto__')).toEqual({
      value: 'x',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
});
