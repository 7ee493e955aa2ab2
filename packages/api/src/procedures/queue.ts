import { enqueuedTaskSchema, enqueueTaskInputSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E2: queue an asynchronous Claude task (REST answers 202). */
export const queueProcedure = authedProcedure('queue')
  .use(limited('queue'))
  .input(enqueueTaskInputSchema)
  .output(enqueuedTaskSchema)
  .mutation(async ({ ctx, input }) => {
    // SSRF guard at submission time (the delivery checks the resolved address again at send time).
    if (input.callbackUrl) await ctx.services.webhooks.validateCallbackUrl(input.callbackUrl);
    return ctx.services.tasks.enqueue(input, ctx.principal.clientId);
  });
