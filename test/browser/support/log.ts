// Server logs as exact, readable lines: "<server> <METHOD> <path> <status> <auth>".
import type { RequestLogEntry } from '../../../reference/registry.ts';

/** `-`, `Bearer`, or `Basic <username>` (never the secret). */
export function authOf(entry: Pick<RequestLogEntry, 'headers'>): string {
  const value = entry.headers.authorization;
  if (value === undefined) return '-';
  const [scheme, param = ''] = value.split(' ');
  if (scheme?.toLowerCase() === 'basic') return `Basic ${atob(param).split(':')[0]}`;
  return scheme ?? '?';
}

export function line(entry: RequestLogEntry): string {
  return `${entry.server} ${entry.method} ${entry.path} ${entry.status} ${authOf(entry)}`;
}

export const lines = (entries: RequestLogEntry[]): string[] => entries.map(line);

/** Without CORS preflights (their number depends on the browser's preflight cache). */
export const withoutPreflights = (entries: RequestLogEntry[]): RequestLogEntry[] =>
  entries.filter((e) => e.method !== 'OPTIONS');

/** The bearer token a request carried. */
export function bearerOf(entry: RequestLogEntry): string | undefined {
  const m = /^Bearer (\S+)$/.exec(entry.headers.authorization ?? '');
  return m?.[1];
}
