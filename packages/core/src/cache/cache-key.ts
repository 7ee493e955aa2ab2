import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so key order in the caller's body never matters. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * C1: SHA-256 over everything that changes the answer. `request` is the upstream request after alias
 * resolution and defaults, so two spellings of one request share a key; `scope` is the client id, or
 * `shared` when the cache is shared between clients.
 */
export function cacheKey(scope: string, request: object): string {
  return createHash('sha256').update(canonicalJson({ scope, request })).digest('hex');
}
