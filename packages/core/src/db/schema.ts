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

export interface ClientsTable {
  id: string;
  name: string;
  description: string | null;
  permissions: string[];
  /** Signs this client's webhooks, so it is kept in clear (like any HMAC key). */
  webhook_secret: string;
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

/** Every table the proxy owns. pg-boss keeps its own schema. */
export interface Database {
  settings: SettingsTable;
  cache_entries: CacheEntriesTable;
  clients: ClientsTable;
  client_keys: ClientKeysTable;
}
