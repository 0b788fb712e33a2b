// Benchmark 3: round trips per scenario for oci-auth-fetch, a naive client and the npm peers, counted by the
// reference registry itself (requests, 401s, token fetches), with wall time as a median over rotated rounds.

import { startReferenceRegistry } from '../reference/registry.ts';
import type { ReferenceRegistry } from '../reference/registry.ts';
import { clients } from './clients.ts';
import type { Client, Credentials, Session } from './clients.ts';
import { seedImage } from './lib/seed.ts';
import type { SeededImage } from './lib/seed.ts';
import { median, round, table } from './lib/stats.ts';

const credentials: Credentials = { username: 'bench', password: 'bench-password' };

interface Images {
  app: SeededImage;
  b: SeededImage;
  c: SeededImage;
}

interface Scenario {
  name: string;
  run(session: Session, images: Images): Promise<void>;
}

export const scenarios: Scenario[] = [
  {
    name: 'cold pull: manifest + 2 blobs',
    run: async (s, { app }) => {
      await s.manifest(app.repository, app.tag);
      await Promise.all(app.layers.map((d) => s.blob(app.repository, d)));
    },
  },
  {
    name: 'inspect: manifest + config + tags',
    run: async (s, { app }) => {
      await s.manifest(app.repository, app.tag);
      await s.blob(app.repository, app.config);
      await s.tags(app.repository);
    },
  },
  {
    name: '3 repositories on one registry',
    run: async (s, images) => {
      for (const image of [images.app, images.b, images.c]) await s.manifest(image.repository, image.tag);
    },
  },
  {
    name: '1000 concurrent cold requests, one scope',
    run: async (s, { app }) => {
      await Promise.all(Array.from({ length: 1000 }, () => s.manifest(app.repository, app.tag)));
    },
  },
];

interface Measured {
  wallMs: number;
  total: number;
  registry: number;
  token: number;
  unauthorized: number;
  error?: string;
}

function describeError(error: unknown): string {
  const e = error as { message?: string; statusCode?: number; code?: string };
  return `${e?.code ?? ''} ${e?.statusCode ?? ''} ${e?.message ?? String(error)}`
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

async function measure(
  registry: ReferenceRegistry,
  client: Client,
  scenario: Scenario,
  images: Images,
): Promise<Measured> {
  registry.clearLog();
  const session = client.session(registry, credentials);
  const started = performance.now();
  let error: string | undefined;
  try {
    await scenario.run(session, images);
  } catch (e) {
    error = describeError(e);
  }
  const wallMs = performance.now() - started;
  session.close();
  // Requests still in flight after a failure would be counted in the next round: let them land.
  if (error) await new Promise((r) => setTimeout(r, 200));
  return { wallMs, ...registry.counts(), ...(error ? { error } : {}) };
}

async function seeded(tokenLifetimeSec: number): Promise<{ registry: ReferenceRegistry; images: Images }> {
  const registry = await startReferenceRegistry({
    users: { [credentials.username]: credentials.password },
    tokenLifetimeSec,
  });
  const seed = (repository: string) =>
    seedImage(registry, {
      user: credentials.username,
      password: credentials.password,
      repository,
      layers: 2,
      layerBytes: 4096,
    });
  const images = { app: await seed('team/app'), b: await seed('team/b'), c: await seed('team/c') };
  return { registry, images };
}

export async function runRoundTrips(options: { rounds: number }) {
  const { registry, images } = await seeded(300);
  try {
    const rows = [];
    for (const scenario of scenarios) {
      const runs = new Map<string, Measured[]>(clients.map((c) => [c.name, []]));
      // One discarded warm-up round (JIT, sockets), then rounds with the client order rotated.
      for (const c of clients) await measure(registry, c, scenario, images);
      for (let r = 0; r < options.rounds; r++) {
        for (let k = 0; k < clients.length; k++) {
          const c = clients[(k + r) % clients.length]!;
          runs.get(c.name)!.push(await measure(registry, c, scenario, images));
        }
      }
      for (const c of clients) {
        const m = runs.get(c.name)!;
        const ok = m.filter((x) => !x.error);
        const pick = (f: (x: Measured) => number) => (ok.length ? median(ok.map(f)) : Number.NaN);
        const spread = (f: (x: Measured) => number) =>
          ok.length ? [Math.min(...ok.map(f)), Math.max(...ok.map(f))] : [];
        rows.push({
          scenario: scenario.name,
          client: c.name,
          version: c.version,
          rounds: m.length,
          failedRounds: m.length - ok.length,
          errors: [...new Set(m.map((x) => x.error).filter((x): x is string => !!x))],
          requests: pick((x) => x.total),
          requestsRange: spread((x) => x.total),
          unauthorized: pick((x) => x.unauthorized),
          tokenFetches: pick((x) => x.token),
          wallMs: round(
            pick((x) => x.wallMs),
            1,
          ),
        });
      }
    }
    return { rounds: options.rounds, rows };
  } finally {
    await registry.close();
  }
}

/** A long paced run per client, each against its own registry with short tokens, all clients at once. */
export async function runLongRun(options: { durationMs: number; tokenLifetimeSec: number; intervalMs: number }) {
  const results = await Promise.all(
    clients.map(async (client) => {
      const { registry, images } = await seeded(options.tokenLifetimeSec);
      const session = client.session(registry, credentials);
      let ok = 0;
      let failed = 0;
      const errors = new Set<string>();
      const started = performance.now();
      const end = started + options.durationMs;
      try {
        for (let next = started; performance.now() < end; next += options.intervalMs) {
          try {
            await session.manifest(images.app.repository, images.app.tag);
            await session.blob(images.app.repository, images.app.layers[0]!);
            ok++;
          } catch (e) {
            failed++;
            if (errors.size < 3) errors.add(describeError(e));
          }
          const wait = next + options.intervalMs - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const counts = registry.counts();
        const operations = ok + failed;
        return {
          client: client.name,
          version: client.version,
          operations,
          ok,
          failed,
          errors: [...errors],
          requests: counts.total,
          unauthorized: counts.unauthorized,
          tokenFetches: counts.token,
          requestsPerOperation: round(counts.total / Math.max(1, operations), 3),
          wallMs: Math.round(performance.now() - started),
        };
      } finally {
        session.close();
        await registry.close();
      }
    }),
  );
  return { ...options, operationsAreManifestPlusBlob: true, results };
}

export function printRoundTrips(r: Awaited<ReturnType<typeof runRoundTrips>>): string {
  const rows: Array<Array<string | number>> = [
    ['scenario', 'client', 'requests', '401s', 'token fetches', 'wall ms (median)', 'failed rounds'],
  ];
  for (const x of r.rows) {
    rows.push([
      x.scenario,
      x.client,
      x.requests,
      x.unauthorized,
      x.tokenFetches,
      x.wallMs,
      x.failedRounds ? `${x.failedRounds}/${x.rounds}: ${(x.errors[0] ?? '').slice(0, 70)}` : '0',
    ]);
  }
  return table(rows);
}

export function printLongRun(r: Awaited<ReturnType<typeof runLongRun>>): string {
  const rows: Array<Array<string | number>> = [
    ['client', 'operations', 'ok', 'failed', 'requests', 'req/op', '401s', 'token fetches', 'first error'],
  ];
  for (const x of r.results)
    rows.push([
      x.client,
      x.operations,
      x.ok,
      x.failed,
      x.requests,
      x.requestsPerOperation,
      x.unauthorized,
      x.tokenFetches,
      (x.errors[0] ?? '').slice(0, 70),
    ]);
  return table(rows);
}
