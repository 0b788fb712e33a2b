// Every secret used by the tests, and a scan for them in whatever the SDK reports.

import { expect } from 'vitest';
import type { AuthEvent } from '../../src/index.ts';

export const PASSWORD = 'hunter2-very-secret';
export const REFRESH = 'refresh-tok-super-secret';
export const ACCESS = 'access-tok-super-secret';
export const SECRETS = [PASSWORD, REFRESH, ACCESS, Buffer.from(`alice:${PASSWORD}`).toString('base64')];

/** Everything a test saw: events and thrown errors, rendered as text with all their fields and causes. */
export class Observed {
  readonly events: AuthEvent[] = [];
  readonly errors: unknown[] = [];
  readonly onEvent = (e: AuthEvent) => {
    this.events.push(e);
  };

  async catch<T>(promise: Promise<T>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      this.errors.push(error);
      return error;
    }
    throw new Error('expected a rejection');
  }

  text(): string {
    const render = (v: unknown): string => {
      if (v instanceof Error) {
        return `${v.name} ${v.message} ${v.stack ?? ''} ${JSON.stringify({ ...v })} ${v.cause ? render(v.cause) : ''}`;
      }
      return JSON.stringify(v, (_k, val: unknown) => (val instanceof Error ? render(val) : val));
    };
    return [...this.events.map(render), ...this.errors.map(render)].join('\n');
  }

  expectNoSecrets(extra: string[] = []): void {
    const text = this.text();
    for (const secret of [...SECRETS, ...extra]) expect(text).not.toContain(secret);
  }
}
