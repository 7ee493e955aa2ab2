import { healthProcedure } from './procedures/health.js';
import { queryProcedure } from './procedures/query.js';
import { usageProcedure } from './procedures/usage.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  health: healthProcedure,
  usage: usageProcedure,
  claude: router({
    query: queryProcedure,
  }),
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
