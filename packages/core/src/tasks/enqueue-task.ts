import { randomUUID } from 'node:crypto';
import { enforceMaxTokens } from '../query/request-limits.js';
import { buildUpstreamRequest } from '../query/run-query.js';
import { createGroupCommit } from '../util/group-commit.js';
import { type EnqueueTaskInput, PRIORITIES } from './task.schema.js';
import type { TaskDeps } from './task-deps.js';
import type { TaskJob, TaskQueue } from './task-queue.js';
import { insertTasksInLine, type NewTask, type TaskDb, type TaskRow } from './task-repository.js';
import { placeInLine } from './task-view.js';

/** E2 */
export interface EnqueuedTask {
  taskId: string;
  status: 'queued';
  position: number;
  estimatedStartTime: string;
  metadata: Record<string, unknown>;
}

/**
 * Q2: validates (an unknown model is a 400 now, not a failed task later), then writes the task row and
 * its pg-boss job in one transaction: both exist, or neither does.
 */
export async function enqueueTask(deps: TaskDeps, input: EnqueueTaskInput, clientId: string): Promise<EnqueuedTask> {
  // The client's maxTokens cap (rate-limit overrides) holds for tasks as it does for sync queries.
  enforceMaxTokens(buildUpstreamRequest(input, deps.query.modelAliases), await deps.maxTokensCapFor?.(clientId));
  const taskId = deps.newId('task');
  const jobId = randomUUID();
  const priority = PRIORITIES[input.priority ?? 'medium'];
  const metadata = input.metadata ?? {};
  const payload = {
    prompt: input.prompt,
    ...(input.system !== undefined ? { system: input.system } : {}),
    ...(input.parameters !== undefined ? { parameters: input.parameters } : {}),
    ...(input.caching !== undefined ? { caching: input.caching } : {}),
  };
  const { position: ahead } = await deps.enqueuer.enqueue(
    {
      id: taskId,
      jobId,
      clientId,
      priority,
      payload,
      callbackUrl: input.callbackUrl,
      metadata,
      maxRetries: deps.config.defaultMaxRetries,
    },
    { id: jobId, taskId, priority },
  );
  const start = await deps.estimator.startTime(ahead);
  return { taskId, status: 'queued', position: placeInLine(ahead), estimatedStartTime: start.toISOString(), metadata };
}

export interface TaskEnqueuer {
  /** Resolves once the task row and its job are committed, with the task's queue position. */
  enqueue(task: NewTask, job: TaskJob): Promise<{ row: TaskRow; position: number }>;
}

/**
 * Submissions are group-committed (util/group-commit.ts): one transaction per batch (one INSERT of task
 * rows that also answers their positions, one INSERT of pg-boss jobs), so N concurrent submissions cost
 * four statements instead of five each. One batch is written at a time, so the positions an instance answers
 * with are exact (they count every task it committed before).
 */
export function createTaskEnqueuer(deps: { db: TaskDb; queue: TaskQueue; onQueued: () => void }): TaskEnqueuer {
  const commit = createGroupCommit(
    async (items: { task: NewTask; job: TaskJob }[]) => {
      // Positions are counted inside the transaction (by the INSERT itself): once it commits, nothing can
      // fail and send the batch back for an item-by-item retry that would write the same tasks twice.
      const written = await deps.db.transaction().execute(async (trx) => {
        const placed = await insertTasksInLine(
          trx,
          items.map((i) => i.task),
        );
        await deps.queue.sendMany(
          trx,
          items.map((i) => i.job),
        );
        return placed.map(({ row, ahead }) => ({ row, position: ahead }));
      });
      try {
        deps.onQueued();
      } catch {
        // A wake-up signal only: the workers poll anyway.
      }
      return written;
    },
    // One batch at a time: its positions are counted after every earlier batch of this instance committed.
    { maxInFlight: 1 },
  );
  return { enqueue: (task, job) => commit({ task, job }) };
}
