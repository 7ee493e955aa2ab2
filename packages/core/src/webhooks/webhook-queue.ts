import { CompiledQuery, type Kysely, sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { Database } from '../db/schema.js';

export const WEBHOOK_QUEUE = 'webhook-delivery';

/** One job = one attempt of one delivery; the attempt number makes a duplicate or stale job a no-op. */
export interface DeliveryJob {
  deliveryId: string;
  attempt: number;
}

/** The part of pg-boss the webhooks use. */
export type WebhookBoss = Pick<PgBoss, 'send' | 'createQueue' | 'work' | 'offWork' | 'notifyWorker'>;

/** pg-boss's `db` option over a kysely executor, so the job is written in the caller's transaction. */
export function bossDbOf(executor: Kysely<Database>): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      const result = await executor.executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] as never[] };
    },
  };
}

/**
 * Sends the job for an attempt on `executor` (a transaction) and signals waiting workers on commit.
 * `delayMs` is turned into a delay in (fractional) seconds evaluated by Postgres, so app and DB clocks never mix.
 */
export async function sendDeliveryJob(
  boss: WebhookBoss,
  executor: Kysely<Database>,
  job: DeliveryJob,
  options: { delayMs?: number; wakeChannel: string },
): Promise<void> {
  const delaySeconds = (options.delayMs ?? 0) / 1000;
  const id = await boss.send(WEBHOOK_QUEUE, job, {
    db: bossDbOf(executor),
    ...(delaySeconds > 0 ? { startAfter: delaySeconds } : {}),
  });
  // pg-boss 10 returns null (no error) when the queue does not exist.
  if (!id) throw new Error(`pg-boss queue ${WEBHOOK_QUEUE} does not exist`);
  // NOTIFY is transactional: a worker hears it only once the job is committed.
  if (delaySeconds === 0) await sql`SELECT pg_notify(${options.wakeChannel}, '')`.execute(executor);
}
