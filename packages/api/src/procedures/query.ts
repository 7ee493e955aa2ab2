import { queryInputSchema, queryOutputSchema } from '@claude-proxy/core';
import { authedProcedure } from '../trpc.js';

/** E1: a synchronous Claude query. */
export const queryProcedure = authedProcedure('query')
  .input(queryInputSchema)
  .output(queryOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const result = await ctx.services.query(input, {
      clientId: ctx.principal.clientId,
      timings: ctx.timings,
      requestId: ctx.requestId,
    });
    ctx.outcome.usage = result.output.usage;
    ctx.outcome.model = result.output.metadata.model;
    ctx.outcome.cacheStatus = result.cacheStatus;
    ctx.responseHeaders.set(
      'Cache-Control',
      result.maxAgeSeconds === undefined ? 'no-store' : `max-age=${result.maxAgeSeconds}`,
    );
    ctx.responseHeaders.set('X-Cache', result.cacheStatus.toUpperCase());
    return result.output;
  });
