import type { TaskDb, TaskRow } from './task-repository.js';

/**
 * Runs inside the transaction that writes a task's final state (completed, failed or cancelled), so
 * whatever it writes (a webhook delivery job for `callbackUrl`, Q4) commits or rolls back with that state.
 */
export interface TaskHooks {
  onFinal(trx: TaskDb, task: TaskRow): Promise<void>;
  /**
   * Whether `onFinal` writes anything for this task. When it writes nothing for any task of a batch, the
   * final states are written by one statement without an explicit transaction (two round trips less).
   */
  writesFor(task: Pick<TaskRow, 'callback_url'>): boolean;
}

export const noTaskHooks: TaskHooks = { onFinal: async () => {}, writesFor: () => false };
