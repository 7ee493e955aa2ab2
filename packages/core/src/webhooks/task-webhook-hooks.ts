import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { TaskHooks } from '../tasks/task-hooks.js';
import { toTaskResult, toTaskView } from '../tasks/task-view.js';
import type { WebhookService } from './webhook-service.js';

/** Final states never read a position or an estimate; these stand in for them. */
const noPosition = async () => 0;
const noEstimates = {
  startTime: async () => new Date(0),
  completionTime: async () => new Date(0),
} as unknown as Parameters<typeof toTaskView>[2];

/**
 * Q4: when a task with a callbackUrl ends, its delivery is enqueued in the same transaction as the final state.
 * The body is the task's E3 status object, plus the result for a completed task.
 */
export function taskWebhookHooks(webhooks: Pick<WebhookService, 'enqueueWebhookDelivery'>): TaskHooks {
  return {
    writesFor: (task) => Boolean(task.callback_url),
    async onFinal(trx, task) {
      if (!task.callback_url) return;
      const status = await toTaskView(task, noPosition, noEstimates);
      const payload = task.status === 'completed' ? { ...status, result: toTaskResult(task) } : status;
      await webhooks.enqueueWebhookDelivery(trx as Kysely<Database>, {
        taskId: task.id,
        clientId: task.client_id,
        url: task.callback_url,
        event: `task.${task.status}`,
        payload,
      });
    },
  };
}
