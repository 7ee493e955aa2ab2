import type { ColumnType, Generated } from 'kysely';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSecretsTable } from '../webhooks/webhook-tables.js';

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

/** A timestamptz column with a database default. */
export type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type TaskStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface TasksTable {
  id: string;
  seq: Generated<number>;
  type: Generated<string>;
  status: TaskStatus;
  /** 1 high, 2 medium, 3 low (Q1). */
  priority: number;
  client_id: string;
  payload: Json;
  result: Json | null;
  error: Json | null;
  callback_url: string | null;
  metadata: Json;
  retries: Generated<number>;
  max_retries: number;
  deliveries: Generated<number>;
  job_id: string | null;
  worker_id: string | null;
  lease_until: Timestamp | null;
  progress: number | null;
  estimated_completion_at: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
}

export interface TaskWorkersTable {
  id: string;
  concurrency: number;
  seen_at: Timestamp;
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

export interface ClientsTable {
  id: string;
  name: string;
  description: string | null;
  permissions: string[];
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  suspended_at: Timestamp | null;
  suspended_reason: string | null;
}

export interface ClientKeysTable {
  id: string;
  client_id: string;
  /** `sk_live_` plus 8 characters, in clear: lookup and display. */
  prefix: string;
  /** bcrypt hash of the whole key; the key itself is never stored. */
  key_hash: string;
  created_at: Timestamp;
  /** Null: never expires (the bootstrap admin key). */
  expires_at: Timestamp | null;
  /** The key stops working at this instant (in the future during a rotation's grace period). */
  revoked_at: Timestamp | null;
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
  tasks: TasksTable;
  task_workers: TaskWorkersTable;
  rate_limit_state: RateLimitStateTable;
  rate_limit_overrides: RateLimitOverridesTable;
  clients: ClientsTable;
  client_keys: ClientKeysTable;
  request_history: RequestHistoryTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
