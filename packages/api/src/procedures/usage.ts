import { usageInputSchema, usageOutputSchema } from '@claude-proxy/core';
import { authedProcedure } from '../trpc.js';

/** GET /api/usage: the caller's own totals by day and model; an admin may pass `clientId`. */
export const usageProcedure = authedProcedure('query')
  .input(usageInputSchema)
  .output(usageOutputSchema)
  .query(({ ctx, input }) => {
    ctx.responseHeaders.set('Cache-Control', 'private, no-store');
    return ctx.services.usage(input, ctx.principal);
  });
