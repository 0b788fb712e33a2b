// The real registry next to the project's reference token server: the server signs, the registry trusts.
import { startReferenceRegistry } from '../../../reference/registry.ts';
import type { ReferenceRegistry, ReferenceRegistryOptions } from '../../../reference/registry.ts';
import { startDistribution } from './distribution.ts';
import type { Distribution } from './distribution.ts';

/** distribution 2.8 accepts a token this long past its `exp`. */
export const DISTRIBUTION_LEEWAY_SEC = 60;

export interface InteropRegistry {
  registry: Distribution;
  /** The reference server; only its token endpoint is used (its own registry sits idle). */
  tokens: ReferenceRegistry;
  close(): Promise<void>;
}

export async function startInteropRegistry(
  binary: string,
  options: ReferenceRegistryOptions,
): Promise<InteropRegistry> {
  const tokens = await startReferenceRegistry({
    ...options,
    separateTokenServer: true,
    expiryLeewaySec: DISTRIBUTION_LEEWAY_SEC,
  });
  let registry: Distribution;
  try {
    registry = await startDistribution(binary, {
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      certificate: tokens.signingCertificate,
    });
  } catch (error) {
    await tokens.close();
    throw error;
  }
  return {
    registry,
    tokens,
    async close() {
      await Promise.all([registry.close(), tokens.close()]);
    },
  };
}
