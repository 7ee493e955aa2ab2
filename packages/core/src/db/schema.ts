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

/** Every table the proxy owns. pg-boss keeps its own schema. */
export interface Database {
  settings: SettingsTable;
  cache_entries: CacheEntriesTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
