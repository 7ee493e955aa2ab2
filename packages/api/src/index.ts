export * from './context.js';
export { isFault, toAppError } from './errors.js';
export * from './rest/execute-route.js';
export * from './rest/rest-routes.js';
export { type AppRouter, appRouter, createCaller, procedureMeta } from './router.js';
export { authedProcedure, type Permission, type ProcedureMeta, publicProcedure } from './trpc.js';
