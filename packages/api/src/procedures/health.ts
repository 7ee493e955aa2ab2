import { publicProcedure } from '../trpc.js';

/** E7: public; answers 503 over REST when any component is unhealthy. */
export const healthProcedure = publicProcedure.query(({ ctx }) => {
  ctx.responseHeaders.set('Cache-Control', 'no-store');
  return ctx.services.health();
});
