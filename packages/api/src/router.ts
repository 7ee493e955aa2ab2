import {
  clearClientRateLimitsProcedure,
  getClientRateLimitsProcedure,
  setClientRateLimitsProcedure,
} from './procedures/admin-rate-limits.js';
import { authRouter } from './procedures/auth/auth-router.js';
import { cancelTaskProcedure } from './procedures/cancel-task.js';
import { healthProcedure } from './procedures/health.js';
import { invalidateCacheProcedure } from './procedures/invalidate-cache.js';
import { listTasksProcedure } from './procedures/list-tasks.js';
import { queryProcedure } from './procedures/query.js';
import { queueProcedure } from './procedures/queue.js';
import { taskProcedure } from './procedures/task.js';
import { taskResultProcedure } from './procedures/task-result.js';
import { usageProcedure } from './procedures/usage.js';
import {
  getDeliveryProcedure,
  listDeliveriesProcedure,
  redeliverProcedure,
  rotateSecretProcedure,
} from './procedures/webhooks.js';
import { createCallerFactory, type ProcedureMeta, router } from './trpc.js';

export const appRouter = router({
  health: healthProcedure,
  usage: usageProcedure,
  claude: router({
    query: queryProcedure,
    queue: queueProcedure,
    task: taskProcedure,
    taskResult: taskResultProcedure,
    cancelTask: cancelTaskProcedure,
    tasks: listTasksProcedure,
  }),
  admin: router({
    invalidateCache: invalidateCacheProcedure,
    rateLimits: router({
      get: getClientRateLimitsProcedure,
      set: setClientRateLimitsProcedure,
      clear: clearClientRateLimitsProcedure,
    }),
  }),
  auth: authRouter,
  webhooks: router({
    listDeliveries: listDeliveriesProcedure,
    getDelivery: getDeliveryProcedure,
    redeliver: redeliverProcedure,
    rotateSecret: rotateSecretProcedure,
  }),
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
