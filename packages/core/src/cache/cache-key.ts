import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so key order in the caller's body never matters. Keys with
 * an undefined value are left out (as JSON.stringify does); the output is a stable format (keys of entries
 * already stored depend on it).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, the order the keys have always been written in.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * C1: SHA-256 over everything that changes the answer. `request` is the upstream request after alias
 * resolution and defaults, so two spellings of one request share a key; `scope` is the client id, or
 * `shared` when the cache is shared between clients.
 */
export function cacheKey(scope: string, request: object): string {
  return createHash('sha256').update(canonicalJson({ scope, request })).digest('hex');
}
