import { randomUUID } from 'node:crypto';
import { type Claim, finishTask, lockExpired, requeue } from './task-claims.js';
import type { TaskDeps } from './task-deps.js';
import type { TaskDb, TaskRow } from './task-repository.js';

async function putBack(deps: TaskDeps, trx: TaskDb, row: TaskRow): Promise<void> {
  const jobId = randomUUID();
  await requeue(trx, row.id, jobId);
  await deps.queue.send(trx, { id: jobId, taskId: row.id, priority: row.priority });
}

/**
 * Recovers tasks whose worker died (its lease ran out): back to the queue with a new job in one
 * transaction, or failed once `maxDeliveries` claims have all been lost, so a task that kills its
 * worker every time cannot loop forever. Safe to run on every worker at once (SKIP LOCKED).
 */
export async function sweepExpiredTasks(deps: TaskDeps, batch = 100): Promise<{ requeued: number; failed: number }> {
  const counts = await deps.db.transaction().execute(async (trx) => {
    let requeued = 0;
    let failed = 0;
    for (const row of await lockExpired(trx, batch)) {
      if (row.deliveries >= deps.config.maxDeliveries) {
        const finished = await finishTask(
          trx,
          { id: row.id, deliveries: row.deliveries },
          {
            status: 'failed',
            error: {
              code: 'internal_server_error',
              message: `The task was interrupted ${row.deliveries} times (worker lost) and was given up`,
            },
          },
        );
        if (finished) await deps.hooks.onFinal(trx, finished);
        failed++;
      } else {
        await putBack(deps, trx, row);
        requeued++;
      }
    }
    return { requeued, failed };
  });
  if (counts.requeued > 0) {
    deps.logger.warn(counts, 'tasks recovered from lost workers');
    deps.signals.queued();
  }
  return counts;
}

/** On graceful shutdown: hand a claimed task back to the queue now instead of after its lease. */
export async function releaseTask(deps: TaskDeps, claim: Claim): Promise<boolean> {
  const released = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', claim.id)
      .where('deliveries', '=', claim.deliveries)
      .where('status', '=', 'processing')
      .forUpdate()
      .executeTakeFirst();
    if (!row) return false;
    await putBack(deps, trx, row);
    return true;
  });
  if (released) deps.signals.queued();
  return released;
}
