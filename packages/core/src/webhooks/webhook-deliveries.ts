import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookDeliveryStatus } from './webhook-tables.js';

/** A delivery as the API shows it (never the body's signature or any secret). */
export interface WebhookDelivery {
  deliveryId: string;
  /** The `webhook-id` header value. */
  webhookId: string;
  taskId: string;
  clientId: string;
  event: string;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export interface WebhookAttempt {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  error: string | null;
  verdict: 'delivered' | 'retry' | 'failed';
}

/** What the task status shows about its webhook. */
export interface WebhookState {
  deliveryId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  nextAttemptAt: Date | null;
}

export interface DeliveryFilter {
  /** Only this client's deliveries; undefined for an admin (every client). */
  clientId?: string;
  taskId?: string;
  status?: WebhookDeliveryStatus;
  page: number;
  limit: number;
}

export function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    deliveryId: row.id,
    webhookId: row.message_id,
    taskId: row.task_id,
    clientId: row.client_id,
    event: row.event,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    latencyMs: row.latency_ms,
    statusCode: row.status_code,
    error: row.error,
    verdict: row.verdict,
  };
}

export async function listDeliveries(db: Kysely<Database>, filter: DeliveryFilter) {
  let query = db.selectFrom('webhook_deliveries');
  if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
  if (filter.taskId !== undefined) query = query.where('task_id', '=', filter.taskId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filter.limit)
      .offset((filter.page - 1) * filter.limit)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  const total = Number(count.total);
  return {
    deliveries: rows.map(toDelivery),
    pagination: { total, page: filter.page, limit: filter.limit, pages: Math.ceil(total / filter.limit) },
  };
}

/** One delivery with every attempt, or undefined when it does not exist or is not the client's. */
export async function findDelivery(db: Kysely<Database>, deliveryId: string, clientId: string | undefined) {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId);
  if (clientId !== undefined) query = query.where('client_id', '=', clientId);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .orderBy('id')
    .execute();
  return { ...toDelivery(row), attemptLog: attempts.map(toAttempt) };
}

export async function webhookStateOf(db: Kysely<Database>, taskId: string): Promise<WebhookState | null> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'status', 'attempts', 'last_attempt_at', 'last_status', 'next_attempt_at'])
    .where('task_id', '=', taskId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    deliveryId: row.id,
    status: row.status,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    nextAttemptAt: row.next_attempt_at,
  };
}
