import { taskIdInputSchema, taskViewSchema } from '@claude-proxy/core';
import { defineDirect, directBase } from '../direct.js';

/** E3: a task's status; the body depends on the status. Another client's task is 404. */
export const taskDirect = defineDirect({
  permission: 'queue',
  limit: 'read',
  input: taskIdInputSchema,
  run: async (ctx, input) => {
    ctx.responseHeaders.set('Cache-Control', 'no-store');
    const task = await ctx.services.tasks.get(input.taskId, ctx.principal.clientId);
    // A task with a callbackUrl shows its webhook's delivery state once the task has ended.
    const webhook = await ctx.services.webhooks.getWebhookState(task.taskId);
    return webhook ? { ...task, webhook } : task;
  },
});

export const taskProcedure = directBase(taskDirect)
  .output(taskViewSchema)
  .query(({ ctx, input }) => taskDirect.run(ctx, input));
