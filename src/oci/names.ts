// Repository names, tags and references, checked before anything goes on the wire.

import { isDigest } from './digest.ts';
import { OciError } from './errors.ts';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
/** The OCI distribution name grammar: one or more `/`-separated components. */
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function assertRepository(name: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new OciError(
      'INVALID_ARGUMENT',
      `Not a repository name: ${JSON.stringify(name)} (lower-case components separated by "/").`,
    );
  }
}

/** A tag or a digest. */
export function assertReference(reference: string): void {
  if (typeof reference !== 'string' || !(TAG_RE.test(reference) || isDigest(reference))) {
    throw new OciError('INVALID_ARGUMENT', `Not a tag or digest: ${JSON.stringify(reference)}.`);
  }
}

/** `<registry>/v2/<name>/<rest>`; names and references are URL-safe once checked. */
export function repositoryUrl(base: URL, name: string, rest: string): URL {
  assertRepository(name);
  return new URL(`/v2/${name}/${rest}`, base);
}
