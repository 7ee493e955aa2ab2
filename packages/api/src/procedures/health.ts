import { z } from 'zod';
import { publicProcedure } from '../trpc.js';

const componentSchema = z.looseObject({
  status: z.enum(['healthy', 'unhealthy']),
  error: z.string().optional(),
  lastSuccessfulConnection: z.string().nullable().optional(),
});

export const healthOutputSchema = z.object({
  status: z.enum(['healthy', 'degraded']),
  version: z.string(),
  components: z.record(z.string(), componentSchema),
});

/** E7: public; answers 503 over REST when any component is unhealthy. */
export const healthProcedure = publicProcedure.output(healthOutputSchema).query(({ ctx }) => {
  ctx.responseHeaders.set('Cache-Control', 'no-store');
  return ctx.services.health();
});
