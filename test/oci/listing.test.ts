// Tag lists, the catalog and referrers: Link pagination, its guards, and the referrers tag-schema fallback.
import { describe, expect, it } from 'vitest';
import { nextLink } from '../../src/oci/index.ts';
import { useMsw } from '../support/msw.ts';
import { client, errorBody, lines, registry, rejection, sha256 } from './helpers.ts';

useMsw();

const json = (value: unknown, headers: Record<string, string> = {}) => Response.json(value, { headers });

describe('nextLink', () => {
  const base = new URL('https://registry.test/v2/_catalog?n=2');
  it('finds rel="next" and resolves it against the page URL', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', base)?.href).toBe(
      'https://registry.test/v2/_catalog?last=b&n=2',
    );
    expect(nextLink('<https://registry.test/v2/x/tags/list?n=1&last=a>;rel=next', base)?.href).toBe(
      'https://registry.test/v2/x/tags/list?n=1&last=a',
    );
    expect(nextLink('<?last=c>; rel="prev", <?last=d,e>; rel="next"', base)?.search).toBe('?last=d,e');
    expect(nextLink('</a>; title="x"; REL="Next Last"', base)?.pathname).toBe('/a');
  });
  it('is undefined without a next link', () => {
    expect(nextLink(null, base)).toBeUndefined();
    expect(nextLink('', base)).toBeUndefined();
    expect(nextLink('</a>; rel="prev"', base)).toBeUndefined();
  });
});

describe('listTags and catalog', () => {
  it('follows Link pages until there is none, sending n and last', async () => {
    const seen = registry((req) => {
      if (req.path === '/v2/team/app/tags/list?n=2&last=a')
        return json(
          { name: 'team/app', tags: ['b', 'c'] },
          { link: '</v2/team/app/tags/list?n=2&last=c>; rel="next"' },
        );
      return json({ name: 'team/app', tags: ['d'] });
    });
    expect(await client().listTags('team/app', { pageSize: 2, last: 'a' })).toEqual(['b', 'c', 'd']);
    expect(lines(seen)).toEqual(['GET /v2/team/app/tags/list?n=2&last=a', 'GET /v2/team/app/tags/list?n=2&last=c']);
  });

  it('yields pages one by one, and null tags as an empty page', async () => {
    registry((req) =>
      req.path.includes('last=r2')
        ? json({ repositories: null })
        : json({ repositories: ['r1', 'r2'] }, { link: '</v2/_catalog?last=r2&n=2>; rel="next"' }),
    );
    const pages: string[][] = [];
    for await (const page of client().catalogPages({ pageSize: 2 })) pages.push(page);
    expect(pages).toEqual([['r1', 'r2'], []]);
  });

  it('refuses a next link to another origin, and a loop', async () => {
    registry(() => json({ tags: ['a'] }, { link: '<https://evil.test/v2/x/tags/list>; rel="next"' }));
    expect(await rejection(client().listTags('team/app'))).toMatchObject({ code: 'INVALID_RESPONSE' });
    const seen = registry(() => json({ tags: ['a'] }, { link: '</v2/team/app/tags/list?n=1>; rel="next"' }));
    expect(await rejection(client().listTags('team/app', { pageSize: 1 }))).toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(seen).toHaveLength(1);
  });

  it('reports NAME_UNKNOWN and malformed pages as typed errors', async () => {
    registry(() => new Response(errorBody('NAME_UNKNOWN', 'repository name not known to registry'), { status: 404 }));
    expect(await rejection(client().listTags('team/none'))).toMatchObject({
      code: 'NAME_UNKNOWN',
      operation: 'listTags',
    });
    registry(() => json({ tags: [1, 2] }));
    expect(await rejection(client().listTags('team/app'))).toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(await rejection(client().listTags('team/app', { pageSize: 0 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('referrers', () => {
  const subject = sha256('subject');
  const sig = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256('sig'),
    size: 10,
    artifactType: 'application/vnd.example.sig',
  };
  const sbom = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256('sbom'),
    size: 11,
    artifactType: 'application/spdx+json',
  };
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [sig, sbom] };

  it('asks the referrers API, passing artifactType and trusting OCI-Filters-Applied', async () => {
    const seen = registry(() => json({ ...index, manifests: [sig] }, { 'oci-filters-applied': 'artifactType' }));
    expect(await client().referrers('team/app', subject, { artifactType: sig.artifactType })).toEqual([sig]);
    expect(lines(seen)).toEqual([`GET /v2/team/app/referrers/${subject}?artifactType=application%2Fvnd.example.sig`]);
    expect(seen[0]!.headers.accept).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('filters itself when the registry did not', async () => {
    registry(() => json(index));
    expect(await client().referrers('team/app', subject, { artifactType: sbom.artifactType })).toEqual([sbom]);
    expect(await client().referrers('team/app', subject)).toEqual([sig, sbom]);
  });

  it('falls back to the sha256-<hex> tag when the API is missing, and finds nothing when that is missing too', async () => {
    const tag = subject.replace(':', '-');
    let seen = registry((req) =>
      req.path.includes('/referrers/')
        ? new Response('404 page not found', { status: 404 })
        : json(index, { 'content-type': 'application/vnd.oci.image.index.v1+json' }),
    );
    expect(await client().referrers('team/app', subject, { artifactType: sig.artifactType })).toEqual([sig]);
    expect(lines(seen)).toEqual([
      `GET /v2/team/app/referrers/${subject}?artifactType=application%2Fvnd.example.sig`,
      `GET /v2/team/app/manifests/${tag}`,
    ]);
    expect(seen[1]!.headers.accept).toBe('application/vnd.oci.image.index.v1+json');

    seen = registry(() => new Response(errorBody('MANIFEST_UNKNOWN', 'manifest unknown'), { status: 404 }));
    expect(await client().referrers('team/app', subject)).toEqual([]);
    expect(seen).toHaveLength(2);
  });
});
