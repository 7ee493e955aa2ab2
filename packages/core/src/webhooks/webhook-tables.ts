import type { ColumnType, Generated } from 'kysely';

/** A nullable timestamptz column. */
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
/** A timestamptz column with a database default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface WebhookSecretsTable {
  id: string;
  client_id: string;
  /** `whsec_…`, or its AES-GCM sealed form (`enc:v1:…`) when an encryption key is configured. */
  secret: string;
  created_at: DefaultTimestamp;
  /** Null: the current secret. A time: still valid (grace period) until then. */
  retired_at: NullableTimestamp;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  /** The `webhook-id` header: stable across retries and redeliveries. */
  message_id: string;
  task_id: string;
  client_id: string;
  url: string;
  event: string;
  /** The exact bytes signed and sent. */
  body: string;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  /** `attempts` when the current round (first delivery or a redelivery) began; the retry budget counts from it. */
  round_start: Generated<number>;
  last_attempt_at: NullableTimestamp;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: ColumnType<Date, Date | string, Date | string>;
  latency_ms: number;
  status_code: number | null;
  error: string | null;
  verdict: 'delivered' | 'retry' | 'failed';
}
