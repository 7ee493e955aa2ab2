import type { ColumnType, Generated } from 'kysely';

/** A timestamptz column: written as Date, read as Date. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type Json<T = unknown> = ColumnType<T, string, string>;

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Generated<Timestamp>;
}

export interface CacheEntriesTable {
  /** SHA-256 hex of the canonical request (scope included). */
  key: string;
  response: Json;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** GCRA state per limited key (UNLOGGED). Times in microseconds since the epoch. */
export interface RateLimitStateTable {
  key: string;
  tat: number;
  granted: number;
  limit_count: number;
  interval_us: number;
}

/** Per-client limit overrides (rate-limit/rate-limit-overrides.ts) until the clients table carries them. */
export interface RateLimitOverridesTable {
  client_id: string;
  limits: Json;
  updated_at: Timestamp;
}

/** Every table the proxy owns. pg-boss keeps its own schema. */
export interface Database {
  settings: SettingsTable;
  cache_entries: CacheEntriesTable;
  rate_limit_state: RateLimitStateTable;
  rate_limit_overrides: RateLimitOverridesTable;
}
