import { listTasksInputSchema, taskListSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E6: the caller's tasks, filtered, sorted (whitelisted keys) and paginated. */
export const listTasksProcedure = authedProcedure('queue')
  .use(limited('read'))
  .input(listTasksInputSchema)
  .output(taskListSchema)
  .query(({ ctx, input }) => {
    ctx.responseHeaders.set('Cache-Control', 'no-store');
    return ctx.services.tasks.list(input, ctx.principal.clientId);
  });
