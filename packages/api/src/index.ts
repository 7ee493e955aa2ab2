export * from './context.js';
export { isFault, toAppError } from './errors.js';
export { buildOpenApiDocument, type OpenApiDocument } from './openapi/build-openapi.js';
export { limited } from './rate-limit/limited.js';
export * from './rate-limit/rate-limit-headers.js';
export * from './rest/execute-route.js';
export * from './rest/rest-routes.js';
export { type AppRouter, appRouter, createCaller, procedureMeta } from './router.js';
export { authedProcedure, type Permission, type ProcedureMeta, publicProcedure } from './trpc.js';
