import { randomUUID } from 'node:crypto';
import { enforceMaxTokens } from '../query/request-limits.js';
import { buildUpstreamRequest } from '../query/run-query.js';
import { type EnqueueTaskInput, PRIORITIES } from './task.schema.js';
import type { TaskDeps } from './task-deps.js';
import { countAhead, insertTask } from './task-repository.js';

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
  const row = await deps.db.transaction().execute(async (trx) => {
    const inserted = await insertTask(trx, {
      id: taskId,
      jobId,
      clientId,
      priority,
      payload,
      callbackUrl: input.callbackUrl,
      metadata,
      maxRetries: deps.config.defaultMaxRetries,
    });
    await deps.queue.send(trx, { id: jobId, taskId, priority });
    return inserted;
  });
  deps.signals.queued();
  const position = await countAhead(deps.db, row);
  const start = await deps.estimator.startTime(position);
  return { taskId, status: 'queued', position, estimatedStartTime: start.toISOString(), metadata };
}
