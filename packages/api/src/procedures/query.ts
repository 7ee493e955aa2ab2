import { queryInputSchema, queryOutputSchema } from '@claude-proxy/core';
import { limited } from '../rate-limit/limited.js';
import { authedProcedure } from '../trpc.js';

/** E1: a synchronous Claude query. */
export const queryProcedure = authedProcedure('query')
  .use(limited('query'))
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
    if (result.cacheKey) ctx.responseHeaders.set('X-Cache-Key', result.cacheKey);
    return result.output;
  });
