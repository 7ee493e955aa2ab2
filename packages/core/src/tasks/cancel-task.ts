import { AppError } from '../errors/app-error.js';
import { taskNotFound } from './get-task.js';
import { isTaskId } from './task.schema.js';
import type { TaskDeps } from './task-deps.js';
import { lockTask, markCancelled } from './task-repository.js';

/** E5 */
export interface CancelledTask {
  taskId: string;
  status: 'cancelled';
  message: string;
}

/**
 * E5: a queued task is cancelled with its job (it never runs: a worker can only claim a queued task);
 * a processing one is cancelled in the row first, then its worker is told to abort the upstream call
 * (and would find out at its next lease renewal anyway). Its final write is fenced, so it cannot win.
 */
export async function cancelTask(deps: TaskDeps, taskId: string, clientId: string): Promise<CancelledTask> {
  if (!isTaskId(taskId)) throw taskNotFound(taskId);
  const previous = await deps.db.transaction().execute(async (trx) => {
    const row = await lockTask(trx, taskId, clientId);
    if (!row) throw taskNotFound(taskId);
    if (row.status !== 'queued' && row.status !== 'processing') {
      throw new AppError('cannot_cancel', `Cannot cancel the task. Current status: ${row.status}`, {
        extra: { taskStatus: row.status },
      });
    }
    const cancelled = await markCancelled(trx, taskId);
    if (row.status === 'queued' && row.job_id) await deps.queue.cancel([row.job_id], trx);
    await deps.hooks.onFinal(trx, cancelled);
    return row.status;
  });
  if (previous === 'processing') await deps.signals.cancelled(taskId);
  return { taskId, status: 'cancelled', message: 'Task cancelled successfully' };
}
