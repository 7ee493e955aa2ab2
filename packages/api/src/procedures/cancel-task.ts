import { cancelledTaskSchema, taskIdInputSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E5: cancel a queued or running task; 400 cannot_cancel (with taskStatus) once it has finished. */
export const cancelTaskProcedure = authedProcedure('queue')
  .use(limited('read'))
  .input(taskIdInputSchema)
  .output(cancelledTaskSchema)
  .mutation(({ ctx, input }) => ctx.services.tasks.cancel(input.taskId, ctx.principal.clientId));
