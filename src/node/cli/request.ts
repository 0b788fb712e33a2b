// `oci-auth-fetch [options] URL`: one authenticated request, its body to stdout or a file.

import { MANIFEST_ACCEPT as OCI_MANIFEST_ACCEPT } from '../../oci/media-types.ts';
import type { RequestArgs } from './args.ts';
import { dataFromStdin, requestBody } from './body.ts';
import { deadline } from './deadline.ts';
import { CliError, EXIT, UsageError } from './exit.ts';
import type { ExitCode } from './exit.ts';
import { readAll } from './io.ts';
import type { Io } from './io.ts';
import { errorSummary, writeResponse } from './output.ts';
import { safeUrl } from './redact.ts';
import type { Secrets } from './redact.ts';
import { createSession } from './session.ts';
import { parseTargetUrl } from './target.ts';

/**
 * Sent to manifest routes without an Accept header, so registries answer with any manifest kind as stored:
 * the operations' list, plus the (deprecated) OCI artifact manifest a raw fetch may still meet.
 */
const MANIFEST_ACCEPT = [...OCI_MANIFEST_ACCEPT, 'application/vnd.oci.artifact.manifest.v1+json'].join(', ');

function requestHeaders(args: RequestArgs, url: URL): Headers {
  const headers = new Headers();
  for (const [name, value] of args.headers) headers.append(name, value);
  if (!headers.has('accept') && /\/v2\/.+\/manifests\/[^/]+$/.test(url.pathname))
    headers.set('accept', MANIFEST_ACCEPT);
  return headers;
}

/** An HTTP error status as an exit: 401 is an authentication failure (3), anything else from 400 on is 1. */
export async function httpFailure(response: Response, method: string, url: URL, secrets: Secrets): Promise<CliError> {
  const summary = secrets.redact(await errorSummary(response));
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const said = `${status} from ${method} ${safeUrl(url)}${summary ? ` (${summary})` : ''}`;
  if (response.status === 401) {
    return new CliError(
      EXIT.AUTH,
      `authentication failed: ${said}. Log in with docker login or podman login, or pass -u`,
    );
  }
  return new CliError(EXIT.HTTP, said);
}

export async function runRequest(args: RequestArgs, io: Io, secrets: Secrets): Promise<ExitCode> {
  if (args.url === undefined) throw new UsageError('no URL given');
  const url = parseTargetUrl(args.url, args.plainHttp);
  if (args.passwordStdin && dataFromStdin(args.data)) {
    throw new UsageError('-d - and --password-stdin both read stdin: use one, or $OCI_AUTH_PASSWORD for the password');
  }
  const method = args.method ?? (args.data === undefined ? 'GET' : 'POST');
  if (args.data !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new UsageError(`-d cannot be used with ${method}: give -X PUT, POST or PATCH`);
  }
  for (const [name, value] of args.headers) if (/^(proxy-)?authorization$/i.test(name)) secrets.addAuthorization(value);

  const readStdin = () => readAll(io.stdin);
  const session = await createSession(args, io, secrets, { registry: url.host, readStdin });
  const body = args.data === undefined ? undefined : await requestBody(args.data, readStdin);

  const limit = deadline(args.maxTimeMs);
  try {
    const headers = requestHeaders(args, url);
    const response = await session.authFetch(url, {
      method,
      headers,
      body,
      ...(limit.signal ? { signal: limit.signal } : {}),
    });
    if (response.status >= 400 && args.fail) throw await httpFailure(response, method, url, secrets);
    await writeResponse(response, io.stdout, args.output, { include: args.include, body: method !== 'HEAD' });
    return EXIT.OK;
  } catch (error) {
    throw limit.explain(error);
  }
}
