import type { Kysely, Selectable } from 'kysely';
import { retryAfterFrom } from '../claude/upstream.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ResolveAll } from './callback-url.js';
import type { HostGate } from './host-gate.js';
import { retryDelayMs, verdictFor, type WebhookRetryPolicy } from './retry-schedule.js';
import type { SecretBox } from './secret-box.js';
import { sendWebhook } from './send-webhook.js';
import { signWebhook } from './signature.js';
import { type DeliveryJob, sendDeliveryJob, type WebhookBoss } from './webhook-queue.js';
import { signingSecrets } from './webhook-secrets.js';

export interface DeliverDeps {
  db: Kysely<Database>;
  boss: WebhookBoss;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  retry: WebhookRetryPolicy;
  timeoutMs: number;
  allowedHosts: readonly string[];
  userAgent: string;
  wakeChannel: string;
  resolveAll?: ResolveAll;
  /** Called with the delay of a scheduled retry, so this process can wake its worker on time. */
  onRetryScheduled?: (delayMs: number) => void;
  /** Each receiving host's share of this process's slots (host-gate.ts); none means no limit. */
  gate?: HostGate;
}

/** How long an attempt whose receiver is at its share of slots waits before it is fetched again. */
const POSTPONE_MS = 1_000;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const MAX_ERROR_LENGTH = 500;

/** Makes one attempt of a delivery and records it; schedules the next attempt in the same transaction. */
export async function deliverWebhook(deps: DeliverDeps, job: DeliveryJob): Promise<void> {
  const { db } = deps;
  const delivery = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', job.deliveryId)
    .executeTakeFirst();
  // A redelivered, finished or already-recorded attempt: this job is stale (or a duplicate after a crash).
  if (delivery?.status !== 'pending' || delivery.attempts !== job.attempt - 1) return;

  const leave = deps.gate?.enter(hostOf(delivery.url));
  if (deps.gate && !leave) {
    // This receiver already holds its share of the slots: the attempt waits its turn (it is not counted).
    const delayMs = POSTPONE_MS + Math.floor(Math.random() * POSTPONE_MS);
    await sendDeliveryJob(deps.boss, db, job, { delayMs, wakeChannel: deps.wakeChannel });
    deps.onRetryScheduled?.(delayMs);
    return;
  }
  try {
    await attempt(deps, job, delivery);
  } finally {
    leave?.();
  }
}

/** One attempt of a delivery that is due: send, record, schedule the next on a retryable failure. */
async function attempt(deps: DeliverDeps, job: DeliveryJob, delivery: Selectable<Database['webhook_deliveries']>) {
  const { db } = deps;

  const secrets = await signingSecrets(db, deps.box, delivery.client_id);
  const timestampSeconds = Math.floor(deps.clock.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': deps.userAgent,
    ...signWebhook({ id: delivery.message_id, timestampSeconds, body: delivery.body, secrets }),
  };
  const startedAt = new Date(deps.clock.now());
  const result = await sendWebhook({
    url: delivery.url,
    body: delivery.body,
    headers,
    timeoutMs: deps.timeoutMs,
    allowedHosts: deps.allowedHosts,
    ...(deps.resolveAll ? { resolveAll: deps.resolveAll } : {}),
  });

  let verdict = verdictFor(result);
  const roundAttempt = job.attempt - delivery.round_start;
  if (verdict === 'retry' && roundAttempt >= deps.retry.maxAttempts) verdict = 'failed';
  const honoursRetryAfter = result.statusCode === 429 || result.statusCode === 503;
  const retryAfterMs = honoursRetryAfter
    ? retryAfterFrom({ 'retry-after': result.retryAfter }, deps.clock.now())
    : undefined;
  const delayMs =
    verdict === 'retry'
      ? retryDelayMs(roundAttempt + 1, deps.retry, retryAfterMs === undefined ? {} : { retryAfterMs })
      : 0;
  const error = result.error?.slice(0, MAX_ERROR_LENGTH) ?? null;

  const recorded = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        status: verdict === 'retry' ? 'pending' : verdict,
        attempts: job.attempt,
        last_attempt_at: startedAt,
        last_status: result.statusCode ?? null,
        last_error: error,
        next_attempt_at: verdict === 'retry' ? new Date(deps.clock.now() + delayMs) : null,
        delivered_at: verdict === 'delivered' ? new Date(deps.clock.now()) : null,
        updated_at: eb.fn('now', []),
      }))
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', job.attempt - 1)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    await trx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: delivery.id,
        attempt: job.attempt,
        started_at: startedAt,
        latency_ms: result.latencyMs,
        status_code: result.statusCode ?? null,
        error,
        verdict,
      })
      .execute();
    if (verdict === 'retry') {
      await sendDeliveryJob(
        deps.boss,
        trx,
        { deliveryId: delivery.id, attempt: job.attempt + 1 },
        {
          delayMs,
          wakeChannel: deps.wakeChannel,
        },
      );
    }
    return true;
  });
  if (!recorded) return;
  if (verdict === 'retry') deps.onRetryScheduled?.(delayMs);
  const log = {
    deliveryId: delivery.id,
    taskId: delivery.task_id,
    attempt: job.attempt,
    status: result.statusCode,
    latencyMs: result.latencyMs,
    verdict,
  };
  if (verdict === 'delivered') deps.logger.info(log, 'webhook delivered');
  else
    deps.logger.warn({ ...log, error, retryInMs: verdict === 'retry' ? delayMs : undefined }, 'webhook attempt failed');
}
