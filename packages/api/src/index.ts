export * from './context.js';
export { isFault, toAppError } from './errors.js';
export { guardFailedAuth } from './rate-limit/failed-auth-guard.js';
export { limited } from './rate-limit/limited.js';
export * from './rate-limit/rate-limit-headers.js';
export * from './rest/execute-route.js';
export * from './rest/rest-routes.js';
export { type AppRouter, appRouter, createCaller } from './router.js';
export { authedProcedure, type Permission, publicProcedure } from './trpc.js';
