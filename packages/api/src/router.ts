import { healthProcedure } from './procedures/health.js';
import { invalidateCacheProcedure } from './procedures/invalidate-cache.js';
import { queryProcedure } from './procedures/query.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  health: healthProcedure,
  admin: router({
    invalidateCache: invalidateCacheProcedure,
  }),
  claude: router({
    query: queryProcedure,
  }),
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
