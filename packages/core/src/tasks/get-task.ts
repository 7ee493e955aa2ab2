import { AppError } from '../errors/app-error.js';
import { isTaskId } from './task.schema.js';
import type { TaskDeps } from './task-deps.js';
import { countAhead, findTask, type TaskRow } from './task-repository.js';
import { type TaskResult, type TaskView, toTaskResult, toTaskView } from './task-view.js';

export function taskNotFound(taskId: string): AppError {
  return new AppError('task_not_found', `Task with ID ${taskId} not found`);
}

async function loadOwn(deps: TaskDeps, taskId: string, clientId: string): Promise<TaskRow> {
  const row = isTaskId(taskId) ? await findTask(deps.db, taskId, clientId) : undefined;
  if (!row) throw taskNotFound(taskId);
  return row;
}

/** E3: position and estimates are computed at read time, so they stay current as the queue drains. */
export async function getTask(deps: TaskDeps, taskId: string, clientId: string): Promise<TaskView> {
  const row = await loadOwn(deps, taskId, clientId);
  return toTaskView(row, () => countAhead(deps.db, row), deps.estimator);
}

/** E4 */
export async function getTaskResult(deps: TaskDeps, taskId: string, clientId: string): Promise<TaskResult> {
  const row = await loadOwn(deps, taskId, clientId);
  if (row.status !== 'completed') {
    throw new AppError('result_not_available', `Task result is not available. Current status: ${row.status}`, {
      extra: { taskStatus: row.status },
    });
  }
  return toTaskResult(row);
}
