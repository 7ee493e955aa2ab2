import { enqueuedTaskSchema, enqueueTaskInputSchema } from '@claude-proxy/core';
import { defineDirect, directBase } from '../direct.js';

/** E2: queue an asynchronous Claude task (REST answers 202). */
export const queueDirect = defineDirect({
  permission: 'queue',
  limit: 'queue',
  input: enqueueTaskInputSchema,
  run: async (ctx, input) => {
    // SSRF guard at submission time (the delivery checks the resolved address again at send time).
    if (input.callbackUrl) await ctx.services.webhooks.validateCallbackUrl(input.callbackUrl);
    ctx.outcome.committing = true;
    return ctx.services.tasks.enqueue(input, ctx.principal.clientId);
  },
});

export const queueProcedure = directBase(queueDirect)
  .output(enqueuedTaskSchema)
  .mutation(({ ctx, input }) => queueDirect.run(ctx, input));
