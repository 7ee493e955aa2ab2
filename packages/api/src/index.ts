export * from './context.js';
export { isFault, toAppError } from './errors.js';
export { buildOpenApiDocument, type OpenApiDocument } from './openapi/build-openapi.js';
export * from './rest/execute-route.js';
export * from './rest/rest-routes.js';
export { type AppRouter, appRouter, createCaller } from './router.js';
export { authedProcedure, type Permission, publicProcedure } from './trpc.js';
