import { createGroupCommit } from '../util/group-commit.js';
import { type Claim, type FinalState, finishTasks } from './task-claims.js';
import type { TaskHooks } from './task-hooks.js';
import type { TaskDb, TaskRow } from './task-repository.js';

export interface TaskFinisher {
  /**
   * The fenced final write and the final-state hook (a webhook delivery) in one transaction. Undefined
   * when the claim no longer holds the task (cancelled, or taken over after a lost lease).
   */
  finish(claim: Claim, state: FinalState, task: Pick<TaskRow, 'callback_url'>): Promise<TaskRow | undefined>;
}

/**
 * Final states are group-committed (util/group-commit.ts): tasks that finish while another batch is
 * being written share one transaction (one UPDATE for all of them, plus each one's hook), instead of a
 * transaction each. A batch whose hooks write nothing (no task has a callbackUrl) is the UPDATE alone,
 * atomic by itself, without BEGIN and COMMIT.
 */
export function createTaskFinisher(deps: { db: TaskDb; hooks: TaskHooks }): TaskFinisher {
  type Item = { claim: Claim; state: FinalState; task: Pick<TaskRow, 'callback_url'> };
  const inOrder = (items: Item[], rows: TaskRow[]) => {
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((i) => byId.get(i.claim.id));
  };
  const commit = createGroupCommit(async (items: Item[]) => {
    if (!items.some((i) => deps.hooks.writesFor(i.task))) return inOrder(items, await finishTasks(deps.db, items));
    return deps.db.transaction().execute(async (trx) => {
      const rows = await finishTasks(trx, items);
      for (const row of rows) await deps.hooks.onFinal(trx, row);
      return inOrder(items, rows);
    });
  });
  return { finish: (claim, state, task) => commit({ claim, state, task }) };
}
