import { healthProcedure } from './procedures/health.js';
import { invalidateCacheProcedure } from './procedures/invalidate-cache.js';
import { queryProcedure } from './procedures/query.js';
import {
  getDeliveryProcedure,
  listDeliveriesProcedure,
  redeliverProcedure,
  rotateSecretProcedure,
} from './procedures/webhooks.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  health: healthProcedure,
  admin: router({
    invalidateCache: invalidateCacheProcedure,
  }),
  claude: router({
    query: queryProcedure,
  }),
  webhooks: router({
    listDeliveries: listDeliveriesProcedure,
    getDelivery: getDeliveryProcedure,
    redeliver: redeliverProcedure,
    rotateSecret: rotateSecretProcedure,
  }),
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
