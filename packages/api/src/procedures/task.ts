import { taskIdInputSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E3: a task's status; the body depends on the status. Another client's task is 404. */
export const taskProcedure = authedProcedure('queue')
  .use(limited('read'))
  .input(taskIdInputSchema)
  .query(({ ctx, input }) => {
    ctx.responseHeaders.set('Cache-Control', 'no-store');
    return ctx.services.tasks.get(input.taskId, ctx.principal.clientId);
  });
