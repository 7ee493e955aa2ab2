import type { ListTasksInput } from './task.schema.js';
import type { TaskDeps } from './task-deps.js';
import { selectTaskPage } from './task-repository.js';
import { type TaskListItem, toListItem } from './task-view.js';

/** E6 */
export interface TaskList {
  tasks: TaskListItem[];
  pagination: { total: number; page: number; limit: number; pages: number };
}

export async function listTasks(deps: TaskDeps, input: ListTasksInput, clientId: string): Promise<TaskList> {
  const page = input.page ?? 1;
  const limit = input.limit ?? 10;
  const { rows, total } = await selectTaskPage(deps.db, {
    clientId,
    status: input.status,
    page,
    limit,
    sortBy: input.sortBy ?? 'createdAt',
    sortOrder: input.sortOrder ?? 'desc',
  });
  return { tasks: rows.map(toListItem), pagination: { total, page, limit, pages: Math.ceil(total / limit) } };
}
