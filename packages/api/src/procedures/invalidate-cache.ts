import { z } from 'zod';
import { authedProcedure } from '../trpc.js';

export const invalidateCacheInputSchema = z
  .strictObject({
    /** One entry (the `X-Cache-Key` of a response); absent: every entry. */
    key: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'key must be the 64-character hex X-Cache-Key of a response')
      .optional(),
  })
  .default({});

export const invalidateCacheOutputSchema = z.object({
  invalidated: z.enum(['key', 'all']),
  key: z.string().nullable(),
  /** Entries removed from the shared store. */
  removed: z.number().int().min(0),
});

/** C3: forced invalidation on every instance (admin). */
export const invalidateCacheProcedure = authedProcedure('admin')
  .input(invalidateCacheInputSchema)
  .output(invalidateCacheOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const removed = await ctx.services.cache.invalidate(input.key);
    return { invalidated: input.key ? 'key' : 'all', key: input.key ?? null, removed };
  });
