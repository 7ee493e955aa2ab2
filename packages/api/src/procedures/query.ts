import { queryInputSchema, queryOutputSchema } from '@claude-proxy/core';
import { defineDirect, directBase } from '../direct.js';

/** E1: a synchronous Claude query. */
export const queryDirect = defineDirect({
  permission: 'query',
  limit: 'query',
  input: queryInputSchema,
  run: async (ctx, input) => {
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
  },
});

export const queryProcedure = directBase(queryDirect)
  .output(queryOutputSchema)
  .mutation(({ ctx, input }) => queryDirect.run(ctx, input));
