// Tag lists and the catalog, page by page along RFC 8288 `Link: <…>; rel="next"` headers.

import { OciError } from './errors.ts';
import { repositoryUrl } from './names.ts';
import { readBytes, send } from './request.ts';
import type { Context } from './request.ts';
import type { ListOptions } from './types.ts';

const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/** The `rel="next"` target of a Link header, resolved against the page's URL; undefined when there is none. */
export function nextLink(header: string | null, base: URL): URL | undefined {
  if (!header) return undefined;
  // Link values: `<uri-reference>; param=value; …`, comma-separated; commas may sit inside <…>.
  const links = header.match(/<[^>]*>[^<]*/g) ?? [];
  for (const link of links) {
    const target = /^<([^>]*)>/.exec(link)?.[1];
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(link);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (target !== undefined && rels.includes('next')) {
      try {
        return new URL(target, base);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

interface PageSpec {
  operation: string;
  url: URL;
  field: 'tags' | 'repositories';
}

async function* pages(
  ctx: Context,
  spec: PageSpec,
  options: ListOptions | undefined,
): AsyncGenerator<string[], void, undefined> {
  const url = spec.url;
  if (options?.pageSize !== undefined) {
    if (!Number.isSafeInteger(options.pageSize) || options.pageSize < 1)
      throw new OciError('INVALID_ARGUMENT', 'pageSize must be a positive integer.');
    url.searchParams.set('n', String(options.pageSize));
  }
  if (options?.last !== undefined) url.searchParams.set('last', options.last);
  const seen = new Set<string>();
  let next: URL | undefined = url;
  while (next) {
    // A registry's Link may only lead to its own pages, and never in a circle.
    if (next.origin !== ctx.base.origin || seen.has(next.href)) {
      throw new OciError(
        'INVALID_RESPONSE',
        `${spec.operation}: the registry's next page link leaves the registry or loops.`,
      );
    }
    seen.add(next.href);
    const response = await send(ctx, {
      operation: spec.operation,
      method: 'GET',
      url: next,
      headers: { accept: 'application/json' },
      signal: options?.signal,
      ok: [200],
      notFound: 'NAME_UNKNOWN',
    });
    const text = new TextDecoder().decode(await readBytes(response, MAX_PAGE_BYTES, `${spec.operation} page`));
    let items: unknown;
    try {
      items = (JSON.parse(text) as Record<string, unknown>)[spec.field];
    } catch {
      throw new OciError('INVALID_RESPONSE', `${spec.operation}: a page is not JSON.`);
    }
    // `null` is how distribution says "no tags".
    if (items !== null && items !== undefined && !(Array.isArray(items) && items.every((t) => typeof t === 'string'))) {
      throw new OciError('INVALID_RESPONSE', `${spec.operation}: "${spec.field}" is not a list of strings.`);
    }
    yield (items ?? []) as string[];
    next = nextLink(response.headers.get('link'), next);
  }
}

export function tagPages(
  ctx: Context,
  repository: string,
  options?: ListOptions,
): AsyncGenerator<string[], void, undefined> {
  return pages(
    ctx,
    { operation: 'listTags', url: repositoryUrl(ctx.base, repository, 'tags/list'), field: 'tags' },
    options,
  );
}

export function catalogPages(ctx: Context, options?: ListOptions): AsyncGenerator<string[], void, undefined> {
  return pages(ctx, { operation: 'catalog', url: new URL('/v2/_catalog', ctx.base), field: 'repositories' }, options);
}

export async function collect(generator: AsyncGenerator<string[], void, undefined>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of generator) out.push(...page);
  return out;
}
