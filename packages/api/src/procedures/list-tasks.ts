import { listTasksInputSchema, taskListSchema } from '@claude-proxy/core';
import { defineDirect, directBase } from '../direct.js';

/** E6: the caller's tasks, filtered, sorted (whitelisted keys) and paginated. */
export const listTasksDirect = defineDirect({
  permission: 'queue',
  limit: 'read',
  input: listTasksInputSchema,
  run: async (ctx, input) => {
    ctx.responseHeaders.set('Cache-Control', 'no-store');
    return ctx.services.tasks.list(input, ctx.principal.clientId);
  },
});

export const listTasksProcedure = directBase(listTasksDirect)
  .output(taskListSchema)
  .query(({ ctx, input }) => listTasksDirect.run(ctx, input));
