// Shared set-up for the hardening tests: a seeded reference registry, a safety-net timer, and polling.

import { expect } from 'vitest';
import { startReferenceRegistry } from '../../../reference/registry.ts';
import type { ReferenceRegistry, ReferenceRegistryOptions } from '../../../reference/registry.ts';
import { seedImage } from '../../../bench/lib/seed.ts';
import type { SeededImage } from '../../../bench/lib/seed.ts';
import { PASSWORD } from '../../support/secrets.ts';

export const USER = 'alice';
export const REPO = 'team/app';

export interface Seeded {
  reg: ReferenceRegistry;
  image: SeededImage;
  manifestUrl: (repository?: string) => string;
}

/** A reference registry where alice (password PASSWORD) may do anything and team/app + team/other exist. */
export async function seededRegistry(options: ReferenceRegistryOptions = {}): Promise<Seeded> {
  const reg = await startReferenceRegistry({ users: { [USER]: PASSWORD }, ...options });
  const image = await seedImage(reg, { user: USER, password: PASSWORD, repository: REPO, layers: 2 });
  await seedImage(reg, { user: USER, password: PASSWORD, repository: 'team/other', layers: 1 });
  return { reg, image, manifestUrl: (repository = REPO) => `${reg.url}/v2/${repository}/manifests/latest` };
}

/** A generous safety net: fails the test (instead of hanging it) when `promise` takes longer than `ms`. */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for a condition that becomes true asynchronously (log entries of closed connections). */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

export function tokenEntries(reg: ReferenceRegistry) {
  return reg.log.filter((e) => e.server === 'token');
}
