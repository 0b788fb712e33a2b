// WWW-Authenticate parsing (RFC 9110 §11.6.1) with a hand-written, single-pass scanner.
// Every loop advances; the only lookahead re-reads one token and its whitespace once, so the
// work is linear in the header length whatever the input. Policy: docs/challenges.md.

import { ChallengeParseError } from './errors.ts';
import type { Challenge } from './types.ts';

const HTAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DQUOTE = 0x22;
const COMMA = 0x2c;
const SLASH = 0x2f;
const COLON = 0x3a;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const DEL = 0x7f;

// Character classes of the ASCII range, as bit flags.
const TCHAR = 1; // token
const T68 = 2; // token68, without the trailing "="
const CLASS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = TCHAR | T68;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = TCHAR | T68;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = TCHAR | T68;
for (const ch of "!#$%&'*^`|") CLASS[ch.charCodeAt(0)] = TCHAR;
for (const ch of '-._~+') CLASS[ch.charCodeAt(0)] = TCHAR | T68;
CLASS[SLASH] = T68;

// charCodeAt past the end is NaN: every test below is false for it.
function is(flag: number, c: number): boolean {
  return c < 128 && ((CLASS[c] ?? 0) & flag) !== 0;
}

function isWS(c: number): boolean {
  return c === SP || c === HTAB;
}

function fail(message: string, pos: number): never {
  throw new ChallengeParseError(message, pos);
}

// RFC 9112 §5.2: a recipient treats obs-fold (CRLF 1*WSP) as SP. Handling it in place, rather than
// rewriting the header first, keeps error offsets in the caller's text. Bare CR or LF stays an error.
function foldLength(s: string, i: number): number {
  if (s.charCodeAt(i) !== CR || s.charCodeAt(i + 1) !== LF || !isWS(s.charCodeAt(i + 2))) return 0;
  let j = i + 3;
  while (isWS(s.charCodeAt(j))) j++;
  return j - i;
}

function skipOWS(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    const fold = c === CR ? foldLength(s, i) : 0;
    if (isWS(c)) i++;
    else if (fold > 0) i += fold;
    else return i;
  }
}

function tokenEnd(s: string, i: number): number {
  while (is(TCHAR, s.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses a `WWW-Authenticate` value (several fields joined with ", " are fine) into its challenges,
 * in order. Scheme and parameter names come out lower-cased, quoted values unescaped.
 * Throws ChallengeParseError, and nothing else, on input outside the grammar and its documented leniencies.
 */
export function parseChallenges(header: string): Challenge[] {
  if (typeof header !== 'string') throw new ChallengeParseError('header is not a string', 0);
  try {
    return parse(header);
  } catch (e) {
    if (e instanceof ChallengeParseError) throw e;
    throw new ChallengeParseError('internal parser failure', 0);
  }
}

function parse(s: string): Challenge[] {
  const out: Challenge[] = [];
  // The challenge that still takes auth-params: one whose scheme was followed by whitespace.
  let open: Challenge | undefined;
  let i = 0;
  for (;;) {
    // Skip empty list elements.
    i = skipOWS(s, i);
    while (s.charCodeAt(i) === COMMA) i = skipOWS(s, i + 1);
    if (i >= s.length) return out;

    const start = i;
    const end = tokenEnd(s, i);
    if (end === start) fail('expected an auth-scheme or an auth-param', start);
    const eq = skipOWS(s, end);
    if (s.charCodeAt(eq) === EQUALS) {
      // `name=` after a comma: a parameter of the open challenge.
      if (!open) {
        // Leniency (django-oci): a header that starts with auth-params is a scheme-less Bearer challenge.
        if (out.length > 0) fail('auth-param outside a challenge', start);
        open = { scheme: 'bearer', params: {} };
        out.push(open);
      }
      i = param(s, open, start, end, eq);
    } else {
      const c: Challenge = { scheme: s.slice(start, end).toLowerCase(), params: {} };
      out.push(c);
      open = undefined;
      i = end;
      // RFC: 1*SP before token68 or params. Leniency: HTAB (and obs-fold) too.
      if (eq > end) {
        i = eq;
        open = c;
        if (i < s.length && s.charCodeAt(i) !== COMMA) {
          const t68 = token68End(s, i);
          if (t68 > i) {
            c.token68 = s.slice(i, t68);
            open = undefined;
            i = t68;
          } else {
            // The first auth-param needs no comma before it, so it must be one.
            const nameEnd = tokenEnd(s, i);
            const eq2 = skipOWS(s, nameEnd);
            if (nameEnd === i || s.charCodeAt(eq2) !== EQUALS) fail('expected token68 or auth-param', i);
            i = param(s, c, i, nameEnd, eq2);
          }
        }
      }
    }
    // An element ends at a comma or at the end.
    i = skipOWS(s, i);
    if (i < s.length && s.charCodeAt(i) !== COMMA) fail('expected "," or end of header', i);
  }
}

/** End of a token68 at i when it stands alone as an element (followed by "," or the end); else i. */
function token68End(s: string, i: number): number {
  let j = i;
  while (is(T68, s.charCodeAt(j))) j++;
  if (j === i) return i;
  while (s.charCodeAt(j) === EQUALS) j++;
  const after = skipOWS(s, j);
  return after >= s.length || s.charCodeAt(after) === COMMA ? j : i;
}

/** Parses the value of the auth-param whose name is s[start, end) and whose "=" is at eq. Returns the end. */
function param(s: string, c: Challenge, start: number, end: number, eq: number): number {
  const name = s.slice(start, end).toLowerCase();
  let i = skipOWS(s, eq + 1);
  let value: string;
  if (s.charCodeAt(i) === DQUOTE) {
    value = quotedString(s, i);
    i = quotedEnd;
  } else {
    const vEnd = unquotedEnd(s, i);
    value = s.slice(i, vEnd);
    i = vEnd;
  }
  addParam(c, name, value, start);
  return i;
}

/**
 * End of an unquoted value: a token, or (leniency) a run of visible ASCII other than `,` `"` `\`
 * that contains `/` or `:`, as in `realm=https://auth.example.com/token`.
 */
function unquotedEnd(s: string, i: number): number {
  let j = i;
  let firstNonToken = -1;
  let urlish = false;
  for (;;) {
    const c = s.charCodeAt(j);
    if (!(c > SP && c < DEL) || c === COMMA || c === DQUOTE || c === BACKSLASH) break;
    if (!is(TCHAR, c) && firstNonToken < 0) firstNonToken = j;
    if (c === SLASH || c === COLON) urlish = true;
    j++;
  }
  if (j === i) fail('expected a token or a quoted-string', i);
  if (firstNonToken >= 0 && !urlish) fail('character not allowed in an unquoted value', firstNonToken);
  return j;
}

/** Offset after the quoted-string quotedString() read last (a tuple per value costs an allocation). */
let quotedEnd = 0;

/** Reads the quoted-string opening at i; returns its unescaped content and sets quotedEnd after it. */
function quotedString(s: string, i: number): string {
  // Pass 1: find the closing quote, validate, and see whether anything needs rewriting.
  let plain = true;
  let j = i + 1;
  for (;; j++) {
    const c = s.charCodeAt(j);
    if (c === DQUOTE) break;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(j + 1);
      if (Number.isNaN(e)) fail(`quoted-string opened at offset ${i} is not closed`, j + 1);
      if (!allowedInQuotes(e)) fail('control character in quoted-pair', j + 1);
      plain = false;
      j++;
    } else if (c === CR && foldLength(s, j) > 0) {
      plain = false;
      j += foldLength(s, j) - 1; // rare: a second look is cheap
    } else if (Number.isNaN(c)) {
      fail(`quoted-string opened at offset ${i} is not closed`, j);
    } else if (!allowedInQuotes(c)) {
      fail('control character in quoted-string', j);
    }
  }
  quotedEnd = j + 1;
  if (plain) return s.slice(i + 1, j);
  // Pass 2: copy without the backslashes, each fold as one SP. Into a buffer, because concatenating
  // many one-character runs (a value made of escapes) is several times slower.
  const buf = new Uint16Array(j - i - 1);
  let n = 0;
  for (let k = i + 1; k < j; k++) {
    let c = s.charCodeAt(k);
    if (c === BACKSLASH) {
      c = s.charCodeAt(++k);
    } else if (c === CR) {
      k += foldLength(s, k) - 1;
      c = SP;
    }
    buf[n++] = c;
  }
  return fromCodeUnits(buf, n);
}

function fromCodeUnits(buf: Uint16Array, n: number): string {
  let out = '';
  // In chunks: apply() has an engine limit on the number of arguments.
  for (let k = 0; k < n; k += 8192) {
    out += String.fromCharCode.apply(null, buf.subarray(k, Math.min(n, k + 8192)) as unknown as number[]);
  }
  return out;
}

// qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text (any code unit from 0x80 up, so JS strings round-trip).
function allowedInQuotes(c: number): boolean {
  return c === HTAB || (c >= SP && c !== DEL);
}

function addParam(c: Challenge, name: string, value: string, pos: number): void {
  const params = c.params;
  if (Object.hasOwn(params, name)) {
    // Repeated scope params add scopes (distribution scope.md). Any other repeat is ambiguous, and for
    // `realm` the winner would decide where credentials go: refuse.
    if (name !== 'scope') fail(`duplicate parameter "${name}"`, pos);
    params.scope = params.scope && value ? `${params.scope} ${value}` : params.scope || value;
    return;
  }
  // A `__proto__` param must stay a plain own property (assignment would set the prototype).
  if (name === '__proto__') {
    Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    params[name] = value;
  }
}

/** The challenge to answer: the first Bearer, else the first Basic, else undefined. */
export function selectChallenge(challenges: Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme.toLowerCase() === 'bearer') ??
    challenges.find((c) => c.scheme.toLowerCase() === 'basic')
  );
}

/**
 * Serialises a challenge: `scheme token68`, or `scheme name="value", …` with every value quoted and escaped.
 * parseChallenges(formatChallenge(c)) gives [c] back for any challenge with lower-case names.
 * Throws TypeError when c cannot be written in the grammar (a scheme or name that is not a token,
 * a malformed token68, token68 together with params, a control character other than HTAB in a value).
 */
export function formatChallenge(c: Challenge): string {
  if (!isToken(c.scheme)) throw new TypeError('formatChallenge: the scheme must be a token');
  const entries = Object.entries(c.params);
  if (c.token68 !== undefined) {
    if (!isToken68(c.token68)) throw new TypeError('formatChallenge: malformed token68');
    if (entries.length > 0) throw new TypeError('formatChallenge: a challenge has token68 or params, not both');
    return `${c.scheme} ${c.token68}`;
  }
  if (entries.length === 0) return c.scheme;
  const parts = entries.map(([name, value]) => {
    if (!isToken(name)) throw new TypeError('formatChallenge: a parameter name must be a token');
    return `${name}=${quote(value)}`;
  });
  return `${c.scheme} ${parts.join(', ')}`;
}

function isToken(s: string): boolean {
  return s.length > 0 && tokenEnd(s, 0) === s.length;
}

function isToken68(s: string): boolean {
  let i = 0;
  while (is(T68, s.charCodeAt(i))) i++;
  if (i === 0) return false;
  while (s.charCodeAt(i) === EQUALS) i++;
  return i === s.length;
}

function quote(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!allowedInQuotes(c)) throw new TypeError('formatChallenge: control character in a parameter value');
    if (c === DQUOTE || c === BACKSLASH) out += '\\';
    out += value.charAt(i);
  }
  return out + '"';
}
