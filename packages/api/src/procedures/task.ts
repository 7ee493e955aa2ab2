import { taskIdInputSchema, taskViewSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E3: a task's status; the body depends on the status. Another client's task is 404. */
export const taskProcedure = authedProcedure('queue')
  .use(limited('read'))
  .input(taskIdInputSchema)
  .output(taskViewSchema)
  .query(async ({ ctx, input }) => {
    ctx.responseHeaders.set('Cache-Control', 'no-store');
    const task = await ctx.services.tasks.get(input.taskId, ctx.principal.clientId);
    // A task with a callbackUrl shows its webhook's delivery state once the task has ended.
    const webhook = await ctx.services.webhooks.getWebhookState(task.taskId);
    return webhook ? { ...task, webhook } : task;
  });
