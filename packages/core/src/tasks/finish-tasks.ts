import { createGroupCommit } from '../util/group-commit.js';
import { type Claim, type FinalState, finishTasks } from './task-claims.js';
import type { TaskHooks } from './task-hooks.js';
import type { TaskDb, TaskRow } from './task-repository.js';

export interface TaskFinisher {
  /**
   * The fenced final write and the final-state hook (a webhook delivery) in one transaction. Undefined
   * when the claim no longer holds the task (cancelled, or taken over after a lost lease).
   */
  finish(claim: Claim, state: FinalState): Promise<TaskRow | undefined>;
}

/**
 * Final states are group-committed (util/group-commit.ts): tasks that finish while another batch is
 * being written share one transaction (one UPDATE for all of them, plus each one's hook), instead of a
 * transaction each.
 */
export function createTaskFinisher(deps: { db: TaskDb; hooks: TaskHooks }): TaskFinisher {
  const commit = createGroupCommit((items: { claim: Claim; state: FinalState }[]) =>
    deps.db.transaction().execute(async (trx) => {
      const rows = await finishTasks(trx, items);
      for (const row of rows) await deps.hooks.onFinal(trx, row);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return items.map((i) => byId.get(i.claim.id));
    }),
  );
  return { finish: (claim, state) => commit({ claim, state }) };
}
