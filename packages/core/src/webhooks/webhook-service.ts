import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors/app-error.js';
import type { Notifier } from '../events/notifier.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { parseCallbackUrl, type ResolveAll, validateCallbackUrl } from './callback-url.js';
import { deliverWebhook } from './deliver-webhook.js';
import { createHostGate } from './host-gate.js';
import { DEFAULT_WEBHOOK_RETRY_POLICY, type WebhookRetryPolicy } from './retry-schedule.js';
import { createSecretBox } from './secret-box.js';
import { createWakeTimer } from './wake-timer.js';
import {
  type DeliveryFilter,
  findDelivery,
  listDeliveries,
  toDelivery,
  type WebhookDelivery,
  type WebhookState,
  webhookStateOf,
} from './webhook-deliveries.js';
import { type DeliveryJob, sendDeliveryJob, WEBHOOK_QUEUE, type WebhookBoss } from './webhook-queue.js';
import { type RotatedSecret, rotateSecret } from './webhook-secrets.js';

export interface WebhookConfig {
  /** Bound on one attempt (connect, headers). */
  timeoutMs: number;
  retry: WebhookRetryPolicy;
  /** Hosts/IPs that bypass the SSRF address policy (development, tests). */
  allowedHosts: readonly string[];
  /** Passphrase for encrypting signing secrets at rest; unset stores them as is. */
  encryptionKey?: string | undefined;
  /** Deliveries one worker runs at once. */
  concurrency: number;
  pollingIntervalSeconds: number;
  userAgent: string;
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = {
  timeoutMs: 10_000,
  retry: DEFAULT_WEBHOOK_RETRY_POLICY,
  allowedHosts: [],
  concurrency: 8,
  pollingIntervalSeconds: 2,
  userAgent: 'claude-proxy-webhooks/0.1',
};

export interface EnqueueWebhookInput {
  taskId: string;
  clientId: string;
  url: string;
  /** e.g. `task.completed`, `task.failed`, `task.cancelled`. */
  event: string;
  /** Sent as the JSON body, exactly as given. */
  payload: unknown;
}

export interface WebhookServiceDeps {
  db: Kysely<Database>;
  boss: WebhookBoss;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  config: WebhookConfig;
  resolveAll?: ResolveAll;
}

const WAKE = 'webhook_wake';

/** Webhooks on task completion: enqueue (in the caller's transaction), sign, deliver, retry, inspect, redeliver. */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { db, boss, config } = deps;
  const box = createSecretBox(config.encryptionKey);
  const wakeChannel = deps.notifier.channelName(WAKE);
  const workerIds: string[] = [];
  const wakeWorkers = () => {
    for (const id of workerIds) boss.notifyWorker(id);
  };
  const wake = createWakeTimer(wakeWorkers);
  const inTransaction = <T>(executor: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>) =>
    executor.isTransaction ? fn(executor) : executor.transaction().execute(fn);
  const deliverDeps = {
    db,
    boss,
    box,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'webhooks' }),
    retry: config.retry,
    timeoutMs: config.timeoutMs,
    allowedHosts: config.allowedHosts,
    userAgent: config.userAgent,
    wakeChannel,
    ...(deps.resolveAll ? { resolveAll: deps.resolveAll } : {}),
    onRetryScheduled: (delayMs: number) => wake.at(deps.clock.now() + delayMs, deps.clock.now()),
    // One receiver may hold at most half of this process's slots: a hanging one cannot stall the rest.
    gate: createHostGate(Math.max(1, Math.floor(config.concurrency / 2))),
  };

  return {
    /** Submission-time SSRF check of a `callbackUrl`; throws AppError('invalid_request'). */
    validateCallbackUrl: (url: string) =>
      validateCallbackUrl(url, {
        allowedHosts: config.allowedHosts,
        ...(deps.resolveAll ? { resolveAll: deps.resolveAll } : {}),
      }),

    /**
     * Records a delivery and its first job on `executor`. Pass the transaction that writes the task's final
     * state: the webhook then exists if and only if the state change committed.
     */
    enqueueWebhookDelivery: (executor: Kysely<Database>, input: EnqueueWebhookInput) =>
      inTransaction(executor, async (trx) => {
        const url = parseCallbackUrl(input.url).toString();
        const deliveryId = newId('whd');
        const webhookId = newId('msg');
        await trx
          .insertInto('webhook_deliveries')
          .values({
            id: deliveryId,
            message_id: webhookId,
            task_id: input.taskId,
            client_id: input.clientId,
            url,
            event: input.event,
            body: JSON.stringify(input.payload ?? null),
            next_attempt_at: new Date(deps.clock.now()),
          })
          .execute();
        await sendDeliveryJob(boss, trx, { deliveryId, attempt: 1 }, { wakeChannel });
        return { deliveryId, webhookId };
      }),

    /** A new signing secret for a (new) client, returned once; any previous one is retired at once. */
    createWebhookSecret: async (clientId: string, executor: Kysely<Database> = db) => {
      const { webhookSecret } = await rotateSecret(executor, box, clientId, 0);
      return { webhookSecret };
    },

    /** A new current secret; the previous one keeps verifying for `graceSeconds` (messages carry both signatures). */
    rotateWebhookSecret: (clientId: string, options: { graceSeconds: number }): Promise<RotatedSecret> =>
      rotateSecret(db, box, clientId, options.graceSeconds),

    /** The webhook state a task status shows; null when the task has no delivery. */
    getWebhookState: (taskId: string): Promise<WebhookState | null> => webhookStateOf(db, taskId),

    listDeliveries: (filter: DeliveryFilter) => listDeliveries(db, filter),

    getDelivery: async (deliveryId: string, clientId: string | undefined) => {
      const found = await findDelivery(db, deliveryId, clientId);
      if (!found) throw new AppError('not_found', `Webhook delivery ${deliveryId} not found`);
      return found;
    },

    /** Starts a new round of attempts (a fresh retry budget) with the same webhook-id. */
    redeliver: (deliveryId: string, clientId: string | undefined): Promise<WebhookDelivery> =>
      db.transaction().execute(async (trx) => {
        let update = trx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: 'pending',
            round_start: eb.ref('attempts'),
            next_attempt_at: new Date(deps.clock.now()),
            updated_at: eb.fn('now', []),
          }))
          .where('id', '=', deliveryId)
          .where('status', '<>', 'pending');
        if (clientId !== undefined) update = update.where('client_id', '=', clientId);
        const row = await update.returningAll().executeTakeFirst();
        if (!row) {
          const existing = await findDelivery(trx, deliveryId, clientId);
          if (!existing) throw new AppError('not_found', `Webhook delivery ${deliveryId} not found`);
          throw new AppError('invalid_request', 'The delivery is still pending; it is already being attempted', {
            extra: { deliveryStatus: existing.status },
          });
        }
        const job: DeliveryJob = { deliveryId, attempt: row.attempts + 1 };
        await sendDeliveryJob(boss, trx, job, { wakeChannel });
        return toDelivery(row);
      }),

    /** Creates the queue; every instance needs it (any may enqueue). */
    start: async () => {
      await boss.createQueue(WEBHOOK_QUEUE, { name: WEBHOOK_QUEUE, retryLimit: 3, retryDelay: 30, retryBackoff: true });
    },

    /**
     * Runs deliveries in this process (SERVER_MODE worker/all): `concurrency` workers of one job each (a batch
     * would wait for its slowest job before fetching the next), and one receiving host holds at most half of
     * them (the gate in deliverDeps), so receivers that hang cannot stall everybody else's deliveries.
     */
    startWorker: async () => {
      for (let i = 0; i < config.concurrency; i++) {
        const id = await boss.work<DeliveryJob>(
          WEBHOOK_QUEUE,
          { batchSize: 1, pollingIntervalSeconds: config.pollingIntervalSeconds },
          async ([job]) => {
            // A failure is retried by pg-boss; an attempt that was recorded makes the retry a no-op.
            if (job) await deliverWebhook(deliverDeps, job.data);
          },
        );
        workerIds.push(id);
      }
      await deps.notifier.subscribe(WAKE, wakeWorkers);
    },

    stop: async () => {
      wake.clear();
      if (workerIds.length > 0) {
        workerIds.length = 0;
        await boss.offWork(WEBHOOK_QUEUE);
      }
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
