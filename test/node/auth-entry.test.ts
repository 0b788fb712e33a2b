import { describe, expect, it } from 'vitest';
import { decodeAuthEntry, decodePodmanAuthEntry } from '../../src/node/auth-entry.ts';
import { parseHelperOutput } from '../../src/node/credential-helper.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('decodeAuthEntry', () => {
  it('decodes each credential form', () => {
    expect(decodeAuthEntry({ auth: b64('u:p') })).toEqual({
      kind: 'credential',
      credential: { username: 'u', password: 'p' },
    });
    expect(decodeAuthEntry({ auth: b64('u:') })).toEqual({
      kind: 'credential',
      credential: { username: 'u', password: '' },
    });
    expect(decodeAuthEntry({ username: 'u', password: '' })).toEqual({
      kind: 'credential',
      credential: { username: 'u', password: '' },
    });
    expect(decodeAuthEntry({ identitytoken: 'rt', username: 'u' })).toEqual({
      kind: 'credential',
      credential: { refreshToken: 'rt', username: 'u' },
    });
    expect(decodeAuthEntry({ registrytoken: 'at', identitytoken: 'rt' })).toEqual({
      kind: 'credential',
      credential: { accessToken: 'at' },
    });
  });

  it('finds nothing in empty or partial entries', () => {
    expect(decodeAuthEntry({})).toEqual({ kind: 'empty' });
    expect(decodeAuthEntry({ email: 'a@b.c' })).toEqual({ kind: 'empty' });
    expect(decodeAuthEntry({ username: 'u' })).toEqual({ kind: 'empty' });
    expect(decodeAuthEntry({ password: 'p' })).toEqual({ kind: 'empty' });
    expect(decodeAuthEntry({ auth: '', identitytoken: '', registrytoken: null })).toEqual({ kind: 'empty' });
  });

  it('flags invalid entries without quoting them', () => {
    expect(decodeAuthEntry('x')).toEqual({ kind: 'invalid', problem: 'is not a JSON object' });
    expect(decodeAuthEntry([])).toEqual({ kind: 'invalid', problem: 'is not a JSON object' });
    expect(decodeAuthEntry({ auth: 'a b' })).toEqual({
      kind: 'invalid',
      problem: 'has an "auth" field that is not valid base64',
    });
    expect(decodeAuthEntry({ auth: b64(':p') })).toEqual({
      kind: 'invalid',
      problem: 'has an "auth" field that does not decode to "username:password"',
    });
    expect(decodeAuthEntry({ identitytoken: 1 })).toEqual({
      kind: 'invalid',
      problem: 'has a non-string "identitytoken" field',
    });
  });
});

describe('decodePodmanAuthEntry', () => {
  it('reads only auth, and identitytoken beside it, as containers/image pkg/docker/config/config.go decodeDockerAuth', () => {
    expect(decodePodmanAuthEntry({ auth: b64('u:p') })).toEqual({
      kind: 'credential',
      credential: { username: 'u', password: 'p' },
    });
    expect(decodePodmanAuthEntry({ auth: b64('u:p\0') })).toEqual({
      kind: 'credential',
      credential: { username: 'u', password: 'p' },
    });
    expect(decodePodmanAuthEntry({ auth: b64('u:'), identitytoken: 'rt' })).toEqual({
      kind: 'credential',
      credential: { refreshToken: 'rt', username: 'u' },
    });
    expect(decodePodmanAuthEntry({ auth: b64('u:p'), registrytoken: 'at' })).toEqual({
      kind: 'credential',
      credential: { username: 'u', password: 'p' },
    });
    expect(decodePodmanAuthEntry({ username: 'u', password: 'p' })).toEqual({ kind: 'empty' });
    expect(decodePodmanAuthEntry({ registrytoken: 'at' })).toEqual({ kind: 'empty' });
    expect(decodePodmanAuthEntry({ identitytoken: 'rt' })).toEqual({ kind: 'empty' });
    expect(decodePodmanAuthEntry({})).toEqual({ kind: 'empty' });
    expect(decodePodmanAuthEntry({ auth: 'a b' })).toEqual({
      kind: 'invalid',
      problem: 'has an "auth" field that is not valid base64',
    });
    expect(decodePodmanAuthEntry(null)).toEqual({ kind: 'invalid', problem: 'is not a JSON object' });
  });
});

describe('parseHelperOutput', () => {
  it('reads docker-credential-helpers JSON', () => {
    expect(parseHelperOutput('{"ServerURL":"s","Username":"u","Secret":"p"}\n')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(parseHelperOutput('{"Username":"<token>","Secret":"rt"}')).toEqual({ refreshToken: 'rt' });
    expect(parseHelperOutput('{"Secret":"p"}')).toEqual({ username: '', password: 'p' });
    expect(parseHelperOutput('{"Username":"u","Secret":""}')).toBeUndefined();
    expect(parseHelperOutput('{}')).toBeUndefined();
  });

  it("reads what Go's json.Decoder reads in docker-credential-helpers client/client.go", () => {
    expect(parseHelperOutput('{"serverurl":"s","username":"u","secret":"p"}')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(parseHelperOutput('{"USERNAME":"u","sEcReT":"p"}')).toEqual({ username: 'u', password: 'p' });
    expect(parseHelperOutput('{"Username":"a","username":"b","Secret":"p"}')).toEqual({ username: 'b', password: 'p' });
    expect(parseHelperOutput('{"\u017fecret":"p","Username":"u"}')).toEqual({ username: 'u', password: 'p' });
    expect(parseHelperOutput('  {"Username":"u","Secret":"p"}\nlogged in with helper v1 {not json')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(parseHelperOutput('{"Username":"u","Secret":"p"}{"Username":"x","Secret":"y"}')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(parseHelperOutput('{"Username":"u","Secret":"a}\\"b","X":[{}]} trailing')).toEqual({
      username: 'u',
      password: 'a}"b',
    });
    expect(parseHelperOutput('{"Username":null,"Secret":"p"}')).toEqual({ username: '', password: 'p' });
    expect(parseHelperOutput('null')).toBeUndefined();
  });

  it('rejects anything else', () => {
    expect(parseHelperOutput('')).toBe(false);
    expect(parseHelperOutput(' \n')).toBe(false);
    expect(parseHelperOutput('nope')).toBe(false);
    expect(parseHelperOutput('{"Username":"u","Secret":"p"')).toBe(false);
    expect(parseHelperOutput('{"Username":"u",}')).toBe(false);
    expect(parseHelperOutput('{"ServerURL":1,"Username":"u","Secret":"p"}')).toBe(false);
    expect(parseHelperOutput('"u:p"')).toBe(false);
    expect(parseHelperOutput('["u","p"]')).toBe(false);
    expect(parseHelperOutput('{"Username":1,"Secret":"p"}')).toBe(false);
  });
});
