import { enqueueTaskInputSchema } from '@claude-proxy/core';
import { authedProcedure } from '../trpc.js';

/** E2: queue an asynchronous Claude task (REST answers 202). */
export const queueProcedure = authedProcedure('queue')
  .input(enqueueTaskInputSchema)
  .mutation(({ ctx, input }) => ctx.services.tasks.enqueue(input, ctx.principal.clientId));
