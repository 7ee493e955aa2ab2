import type { TaskDb, TaskRow } from './task-repository.js';

/**
 * Runs inside the transaction that writes a task's final state (completed, failed or cancelled), so
 * whatever it writes (a webhook delivery job for `callbackUrl`, Q4) commits or rolls back with that state.
 */
export interface TaskHooks {
  onFinal(trx: TaskDb, task: TaskRow): Promise<void>;
}

export const noTaskHooks: TaskHooks = { onFinal: async () => {} };
