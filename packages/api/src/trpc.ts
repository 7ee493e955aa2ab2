import { AppError, ERROR_TABLE, isAppError, type Permission } from '@claude-proxy/core';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import type { Principal, RequestContext } from './context.js';
import { toAppError } from './errors.js';
import { applyFailedAuthHeaders } from './rate-limit/rate-limit-headers.js';

/** What a procedure requires of its caller; the shared security test suite reads it for every route. */
export interface ProcedureMeta {
  /** Set by `authedProcedure`: a key or token holding this permission is required. */
  permission?: Permission;
  /** The credential travels in the input (POST /api/auth/token), not in the Authorization header. */
  credentialInBody?: boolean;
}

const t = initTRPC
  .context<RequestContext>()
  .meta<ProcedureMeta>()
  .create({
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
export const middleware = t.middleware;

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

export type { Permission };

/**
 * Requires a valid key or token holding `permission` (A3, A6): 401 authentication_error without one,
 * 403 authorization_error without the permission, 429 after too many failures from one IP. Runs before
 * input validation, so an unauthenticated caller learns nothing about the input shape.
 */
export function authedProcedure(permission: Permission) {
  return publicProcedure.meta({ permission }).use(async ({ ctx, next }) => {
    const principal = await authorizeCaller(ctx, permission);
    return next({ ctx: { ...ctx, principal } });
  });
}

/** A3, A6: the caller's principal (recorded in the outcome), or the 401/403/429 AppError. */
export async function authorizeCaller(ctx: RequestContext, permission: Permission): Promise<Principal> {
  if (ctx.credential === undefined && ctx.unsupportedScheme !== undefined) {
    throw new AppError(
      'authentication_error',
      `Authorization scheme ${ctx.unsupportedScheme} is not supported: send Authorization: Bearer <apiKey or token>`,
    );
  }
  let principal: Principal;
  try {
    principal = await ctx.services.auth.authorize(ctx.credential, ctx.ip, permission);
  } catch (error) {
    // A known client without the permission: its 403 is logged under its id.
    const refused = (error as { cause?: { principal?: Principal } } | null)?.cause?.principal;
    if (isAppError(error) && error.code === 'authorization_error' && refused) ctx.outcome.principal = refused;
    applyFailedAuthHeaders(ctx, error);
    throw error;
  }
  ctx.outcome.principal = principal;
  return principal;
}
