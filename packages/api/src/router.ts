import {
  clearClientRateLimitsProcedure,
  getClientRateLimitsProcedure,
  setClientRateLimitsProcedure,
} from './procedures/admin-rate-limits.js';
import { healthProcedure } from './procedures/health.js';
import { queryProcedure } from './procedures/query.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  health: healthProcedure,
  claude: router({
    query: queryProcedure,
  }),
  admin: router({
    rateLimits: router({
      get: getClientRateLimitsProcedure,
      set: setClientRateLimitsProcedure,
      clear: clearClientRateLimitsProcedure,
    }),
  }),
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
