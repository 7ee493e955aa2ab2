import { taskIdInputSchema, taskResultSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E4: a completed task's answer; 400 result_not_available (with taskStatus) before that. */
export const taskResultProcedure = authedProcedure('queue')
  .use(limited('read'))
  .input(taskIdInputSchema)
  .output(taskResultSchema)
  .query(({ ctx, input }) => {
    ctx.responseHeaders.set('Cache-Control', 'no-store');
    return ctx.services.tasks.result(input.taskId, ctx.principal.clientId);
  });
