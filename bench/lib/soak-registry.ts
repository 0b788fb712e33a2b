// The soak's registry, in a worker thread of its own. A registry is another process: run on the client's event
// loop, with 100 workers keeping that loop busy, it accepted new connections one per loop turn, up to 1.5 s late,
// and such a request outlives a 2-second token however well the client handles it.
// Messages: to the parent {ready}, {token} per token request once counting, {summary} at the end (the parent then
// ends the thread); from the parent {fail} (arm a token fault), {count} (start counting), {clear}, {finish}.

import { parentPort, workerData } from 'node:worker_threads';
import { startReferenceRegistry } from '../../reference/registry.ts';
import type { TokenFault } from '../../reference/registry.ts';

export type ToRegistry =
  | { type: 'fail'; fault: TokenFault }
  | { type: 'count' }
  | { type: 'clear' }
  | { type: 'finish' };
export type FromRegistry =
  | { type: 'ready'; url: string; realm: string; service: string }
  | { type: 'token'; status: number; query: string }
  | {
      type: 'summary';
      requests: number;
      unauthorized: number;
      bearers: string[];
      rejected: Record<string, number>;
      /** Per scope, the fewest tokens that could have served the requests the registry accepted (see `cover`). */
      tokensNeeded: Record<string, number>;
    };

const port = parentPort!;
const send = (message: FromRegistry) => port.postMessage(message);
const { users, tokenLifetimeSec } = workerData as { users: Record<string, string>; tokenLifetimeSec: number };

let counting = false;
let requests = 0;
let unauthorized = 0;
const bearers = new Set<string>();
/** Distinct bearer tokens the registry rejected, per the scope of the request (a pull of its repository). */
const rejected = new Map<string, Set<string>>();
/**
 * Per scope, the fewest windows of a token's lifetime that cover the times of the requests the registry accepted:
 * a token is good for at most `tokenLifetimeSec` after its issue, so at least this many tokens served them. Counted
 * greedily as requests arrive (each uncovered one opens a window). Unlike a bound from the run's length, this holds
 * when a loaded machine leaves a scope without requests for a while.
 */
const cover = new Map<string, { needed: number; until: number }>();
// No top-level await: the parent runs this file bundled as a CommonJS script (see startRegistryThread).
void startReferenceRegistry({
  users,
  tokenLifetimeSec,
  onRequest: (entry) => {
    if (!counting) return;
    if (entry.server === 'token') return send({ type: 'token', status: entry.status, query: entry.query });
    requests++;
    if (entry.status === 401) unauthorized++;
    const auth = entry.headers.authorization;
    if (!auth?.startsWith('Bearer ')) return;
    bearers.add(auth.slice(7));
    const repository = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(entry.path)?.[1];
    if (!repository) return;
    const scope = `repository:${repository}:pull`;
    if (entry.status === 401) {
      rejected.set(scope, (rejected.get(scope) ?? new Set()).add(auth.slice(7)));
      return;
    }
    const now = Date.now();
    const window = cover.get(scope);
    if (!window || now > window.until)
      cover.set(scope, { needed: (window?.needed ?? 0) + 1, until: now + tokenLifetimeSec * 1000 });
  },
}).then((registry) => {
  // The reference keeps every request in its log: counted above instead, the log is emptied now and then.
  const trim = setInterval(() => registry.clearLog(), 1000);
  port.on('message', (message: ToRegistry) => {
    if (message.type === 'fail') registry.failTokenEndpoint(message.fault, 1);
    else if (message.type === 'clear') registry.clearLog();
    else if (message.type === 'count') counting = true;
    else {
      clearInterval(trim);
      counting = false;
      const perScope = Object.fromEntries([...rejected].map(([scope, tokens]) => [scope, tokens.size]));
      const tokensNeeded = Object.fromEntries([...cover].map(([scope, { needed }]) => [scope, needed]));
      send({ type: 'summary', requests, unauthorized, bearers: [...bearers], rejected: perScope, tokensNeeded });
    }
  });
  send({ type: 'ready', url: registry.url, realm: registry.realm, service: registry.service });
});
