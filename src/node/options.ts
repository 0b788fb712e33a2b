// Options shared by the file-based providers.

export interface HelperOptions {
  /** Environment for paths (`HOME`, `DOCKER_CONFIG`, …) and for the helpers (their `PATH`). Default `process.env`, read on each call. */
  env?: NodeJS.ProcessEnv;
  /** How long a credential helper may run before it is killed. Default 10 000 ms. */
  helperTimeoutMs?: number;
  /** How long a helper's answer (including "no credential") is reused for a registry. Default 30 000 ms; 0 disables. */
  cacheTtlMs?: number;
}

export function validMs(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}
