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

/** One row per answered request or finished task (usage, A8); kept HISTORY_RETENTION_DAYS. */
export interface RequestHistoryTable {
  id: Generated<number>;
  created_at: Timestamp;
  request_id: string;
  task_id: string | null;
  client_id: string;
  endpoint: string;
  method: string;
  status: number;
  /** `success` or the error code answered. */
  outcome: string;
  model: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  latency_ms: number;
  cache_status: string | null;
}

/** Every table the proxy owns. pg-boss keeps its own schema. */
export interface Database {
  settings: SettingsTable;
  cache_entries: CacheEntriesTable;
  request_history: RequestHistoryTable;
}
