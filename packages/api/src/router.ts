import { authRouter } from './procedures/auth/auth-router.js';
import { healthProcedure } from './procedures/health.js';
import { queryProcedure } from './procedures/query.js';
import { createCallerFactory, type ProcedureMeta, router } from './trpc.js';

export const appRouter = router({
  health: healthProcedure,
  claude: router({
    query: queryProcedure,
  }),
  auth: authRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);

/** What the procedure at a dotted path requires of its caller (undefined: unknown path). */
export function procedureMeta(path: string): ProcedureMeta | undefined {
  const procedure = (
    appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } } | undefined>
  )[path];
  return procedure ? (procedure._def.meta ?? {}) : undefined;
}
