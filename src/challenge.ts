// WWW-Authenticate parsing (RFC 9110 §11.6.1): a sticky regex reads each list element in one match.
// Linear time whatever the input: every loop in the regexes can split its text one way only (what repeats
// cannot continue what precedes it), so a regex that backs off gives back a character per step and never
// tries another split; and every match moves the parse forward. Policy: docs/challenges.md.

import { ChallengeParseError } from './errors.ts';
import type { Challenge } from './types.ts';

/** A sticky regex (it matches at lastIndex or not at all) from a template, backslashes kept as written. */
const sticky = (parts: TemplateStringsArray, ...pieces: string[]): RegExp =>
  new RegExp(String.raw(parts, ...pieces), 'y');

// RFC 9112 §5.2: obs-fold (CRLF 1*WSP) counts as whitespace, also inside quoted-strings. Matching it in
// place, rather than unfolding first, keeps error offsets in the caller's text. A bare CR or LF is an error.
const OWS = String.raw`[ \t]*(?:\r\n[ \t]+)*`;
const TOKEN = String.raw`[\w!#$%&'*+.^\x60|~-]+`; // \x60: backtick
const TOKEN68 = String.raw`[\w.~+/-]+=*`;
// qdtext and quoted-pair take HTAB, SP, VCHAR and every code unit from U+0080 up (obs-text), so any JS
// string round-trips.
const QDTEXT = String.raw`[^\0-\x08\n-\x1f"\\\x7f]*`;
const QUOTED_PAIR_OR_FOLD = String.raw`\\[^\0-\x08\n-\x1f\x7f]|\r\n[ \t]`;
// A token, or (leniency) a run of visible ASCII other than `,` `"` `\` holding `/` or `:`, as in
// `realm=https://auth.example.com/token`.
const VISIBLE = String.raw`[!#-+\--[\]-~]`;
const UNQUOTED = `${VISIBLE}*[/:]${VISIBLE}*|${TOKEN}`;

// Before an element: whitespace, a comma (captured) and any empty elements after it.
const SEPARATOR = String.raw`${OWS}(,?)[ \t,]*(?:\r\n[ \t][ \t,]*)*`;
// After "=": a quoted-string's content (captured in two: the text before its first quoted-pair or obs-fold,
// and the rest) and closing quote, or an unquoted value. A lone backslash is skipped so that an error
// points at what it fails to escape.
const VALUE = String.raw`${OWS}(?:"(${QDTEXT})((?:(?:${QUOTED_PAIR_OR_FOLD})${QDTEXT})*)(?:(")|\\?)|(${UNQUOTED}))?`;
/**
 * The separator and a list element: a token, whitespace, and "=" with a value for an auth-param. All of it
 * optional, so it always matches, stopping where the text goes wrong.
 */
const ELEMENT = sticky`(${SEPARATOR})(${TOKEN})?(${OWS})(?:(=)${VALUE})?`;
/** A token68, which stands alone in its element. */
const LONE_TOKEN68 = sticky`${TOKEN68}(?=${OWS}(?:,|$))`;

function fail(message: string, pos: number): never {
  throw new ChallengeParseError(message, pos);
}

/**
 * Parses a `WWW-Authenticate` value (several fields joined with ", " are fine) into its challenges,
 * in order. Scheme and parameter names come out lower-cased, quoted values unescaped.
 * Throws ChallengeParseError, and nothing else, on input outside the grammar and its documented leniencies.
 */
export function parseChallenges(header: string): Challenge[] {
  if (typeof header !== 'string') fail('header is not a string', 0);
  try {
    return parse(header);
  } catch (e) {
    // Such as V8 running out of regex backtrack stack: a loop of millions of obs-folds or quoted-pairs.
    throw e instanceof ChallengeParseError ? e : new ChallengeParseError('internal parser failure', 0);
  }
}

function parse(s: string): Challenge[] {
  const out: Challenge[] = [];
  // The challenge that still takes auth-params: one whose scheme was followed by whitespace.
  let open: Challenge | undefined;
  // The last element was such a scheme: its token68 or first auth-param may follow without a comma.
  let afterScheme = false;
  for (let pos = 0; pos < s.length; ) {
    ELEMENT.lastIndex = pos;
    // Stryker disable next-line StringLiteral: equivalent, the separator group always takes part in the match (maybe as '')
    const [, separator = '', comma, name, space, equals, plain, rest, closed, unquoted] = ELEMENT.exec(s)!;
    const start = pos + separator.length;
    if (start === s.length) break;
    // Commas separate elements, except a scheme and its token68 or first auth-param.
    if (!comma && !afterScheme && out.length > 0) fail('expected "," or end of header', start);
    const first = afterScheme && !comma;
    afterScheme = false;
    pos = ELEMENT.lastIndex;
    const value = closed ? (rest ? unquote(plain + rest) : plain) : unquoted;

    if (first && value === undefined) {
      // Not an auth-param: a token68, or an error.
      LONE_TOKEN68.lastIndex = start;
      if (LONE_TOKEN68.test(s)) {
        pos = LONE_TOKEN68.lastIndex;
        open!.token68 = s.slice(start, pos);
        open = undefined;
        continue;
      }
      if (!equals) fail('expected token68 or auth-param', start);
    }
    if (!name) fail('expected an auth-scheme or an auth-param', start);

    if (equals) {
      if (!open) {
        // Leniency (django-oci): a header that starts with auth-params is a scheme-less Bearer challenge.
        if (out.length > 0) fail('auth-param outside a challenge', start);
        open = { scheme: 'bearer', params: {} };
        out.push(open);
      }
      if (value === undefined) {
        // The value stopped where it went wrong.
        if (plain === undefined) fail('expected a token or a quoted-string', pos);
        fail(pos < s.length ? 'control character in quoted-string' : 'quoted-string not closed', pos);
      }
      addParam(open.params, name.toLowerCase(), value, start);
    } else {
      const c: Challenge = { scheme: name.toLowerCase(), params: {} };
      out.push(c);
      // RFC: 1*SP before token68 or params. Leniency: HTAB (and obs-fold) too.
      open = space ? c : undefined;
      afterScheme = !!space;
    }
  }
  return out;
}

/** A quoted-string's content with each obs-fold as one SP, and without the backslashes of quoted-pairs. */
function unquote(content: string): string {
  // Folds first: in a quoted-string that closed, no backslash comes before a CR.
  return content.replace(/\r\n[ \t]+/g, ' ').replace(/\\([\s\S])/g, '$1');
}

function addParam(params: Record<string, string>, name: string, value: string, pos: number): void {
  if (Object.hasOwn(params, name)) {
    // Repeated scope params add scopes (distribution scope.md). Any other repeat is ambiguous, and for
    // `realm` the winner would decide where credentials go: refuse.
    if (name !== 'scope') fail('duplicate parameter', pos);
    value = params.scope && value ? `${params.scope} ${value}` : params.scope || value;
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
  const first = (scheme: string) => challenges.find((c) => c.scheme.toLowerCase() === scheme);
  return first('bearer') ?? first('basic');
}

/**
 * Serialises a challenge: `scheme token68`, or `scheme name="value", …` with every value quoted and escaped.
 * parseChallenges(formatChallenge(c)) gives [c] back for any challenge with lower-case names.
 * Throws TypeError when c cannot be written in the grammar (a scheme or name that is not a token,
 * a malformed token68, token68 together with params, a control character other than HTAB in a value).
 */
export function formatChallenge(c: Challenge): string {
  // Built here, not at module level, so that a bundle without formatChallenge does not carry them.
  const IS_TOKEN = new RegExp(`^${TOKEN}$`);
  const IS_TOKEN68 = new RegExp(`^${TOKEN68}$`);
  const refuse = (why: string): never => {
    throw new TypeError(`formatChallenge: ${why}`);
  };
  if (!IS_TOKEN.test(c.scheme)) refuse('scheme is not a token');
  const entries = Object.entries(c.params);
  if (c.token68 !== undefined) {
    if (!IS_TOKEN68.test(c.token68)) refuse('malformed token68');
    if (entries.length > 0) refuse('token68 and params together');
    return `${c.scheme} ${c.token68}`;
  }
  if (entries.length === 0) return c.scheme;
  const parts = entries.map(([name, value]) => {
    if (!IS_TOKEN.test(name)) refuse('param name is not a token');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    if (/[\0-\x08\n-\x1f\x7f]/.test(value)) refuse('control character in a value');
    return `${name}="${value.replace(/["\\]/g, '\\$&')}"`;
  });
  return `${c.scheme} ${parts.join(', ')}`;
}
