// What the SDK hands to user code (event objects, the credential provider's context) is the caller's to keep:
// changing it must not change what later requests ask for.

import { describe, expect, it } from 'vitest';
import { createAuthFetch } from '../../src/index.ts';
import type { AuthFetchOptions } from '../../src/index.ts';

/** An in-memory registry and realm that record the scopes each token request asks for. */
function memoryRegistry() {
  const asked: string[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host === 'auth.invalid') {
      asked.push(url.searchParams.getAll('scope').join(' '));
      return Response.json({ token: `t${asked.length}`, expires_in: 300 });
    }
    if (!new Headers(init?.headers).get('authorization')) {
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="https://auth.invalid/token",service="s"' },
      });
    }
    return new Response('ok');
  };
  return { asked, fetch };
}

const urls = ['https://registry.invalid/v2/a/manifests/1', 'https://registry.invalid/v2/b/manifests/1'];

async function run(options: (registry: ReturnType<typeof memoryRegistry>) => AuthFetchOptions): Promise<string[]> {
  const registry = memoryRegistry();
  const authFetch = createAuthFetch({ fetch: registry.fetch, ...options(registry) });
  for (let i = 0; i < 3; i++) for (const url of urls) await (await authFetch(url)).arrayBuffer();
  return registry.asked;
}

describe('scopes handed to user code are copies', () => {
  // Scopes are memoised per request shape: what listeners and providers get must be theirs to edit.
  it('a listener that edits event.scopes changes nothing', async () => {
    const asked = await run(() => ({
      onEvent: (e) => {
        if (e.type === 'token') (e.scopes as string[]).push('repository:other:push');
      },
    }));
    expect(asked).toEqual(['repository:a:pull', 'repository:b:pull']);
  });

  it('a credential provider that edits ctx.scopes changes nothing', async () => {
    const asked = await run(() => ({
      credentials: (ctx) => {
        ctx.scopes.push('repository:other:push');
        return undefined;
      },
    }));
    expect(asked).toEqual(['repository:a:pull', 'repository:b:pull']);
  });
});
