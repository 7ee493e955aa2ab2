import { ERROR_TABLE, isAppError } from '@claude-proxy/core';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import type { Principal, RequestContext } from './context.js';
import { toAppError } from './errors.js';

const t = initTRPC.context<RequestContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    const app = toAppError(error);
    return {
      message: app.message,
      code: shape.code,
      data: {
        code: app.code,
        httpStatus: ERROR_TABLE[app.code].status,
        requestId: ctx?.requestId ?? null,
        details: app.details ?? null,
        ...(app.extra ?? {}),
        retryAfter: app.retryAfter ?? null,
        path: shape.data.path ?? null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** AppErrors become TRPCErrors with the table's code, so tRPC answers with the same HTTP status as REST. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isAppError(result.error.cause)) {
    const app = result.error.cause;
    throw new TRPCError({ code: ERROR_TABLE[app.code].trpc, message: app.message, cause: app });
  }
  return result;
});

export const publicProcedure = t.procedure.use(appErrors);

export type Permission = 'query' | 'queue' | 'admin';

/**
 * Requires an authenticated client holding `permission`. Until client keys exist the proxy runs open:
 * every caller is the anonymous client with every permission.
 */
export function authedProcedure(_permission: Permission) {
  return publicProcedure.use(async ({ ctx, next }) => {
    const principal: Principal = { clientId: 'anonymous', permissions: ['query', 'queue', 'admin'] };
    ctx.outcome.principal = principal;
    return next({ ctx: { ...ctx, principal } });
  });
}
