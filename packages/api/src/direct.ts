import type { Permission, RateLimitType } from '@claude-proxy/core';
import type { z } from 'zod';
import type { Principal, RequestContext } from './context.js';
import { checkRateLimit, limited } from './rate-limit/limited.js';
import { authedProcedure, authorizeCaller } from './trpc.js';

export type AuthedContext = RequestContext & { principal: Principal };

/**
 * A procedure of the hot paths (E1–E3, E6) as plain data: who may call it, which limit it counts against,
 * its input and what it does. tRPC wraps it (`directBase`); the REST adapter runs it with `runDirect`,
 * the same steps in the same order (authenticate, rate limit, validate, run) without tRPC's middleware
 * chain, which costs more per request than everything else on a cache hit.
 */
export interface DirectProcedure<I extends z.ZodType, O> {
  permission: Permission;
  limit: RateLimitType;
  input: I;
  run(ctx: AuthedContext, input: z.output<I>): Promise<O>;
}

export const defineDirect = <I extends z.ZodType, O>(def: DirectProcedure<I, O>): DirectProcedure<I, O> => def;

/** The tRPC procedure up to its input: `directBase(def).output(schema).mutation(({ ctx, input }) => def.run(ctx, input))`. */
export function directBase<I extends z.ZodType, O>(def: DirectProcedure<I, O>) {
  return authedProcedure(def.permission).use(limited(def.limit)).input(def.input);
}

/** Runs the procedure for one REST request (errors propagate; the REST adapter turns them into the spec's body). */
export async function runDirect<I extends z.ZodType, O>(
  def: DirectProcedure<I, O>,
  ctx: RequestContext,
  rawInput: unknown,
): Promise<O> {
  const principal = await authorizeCaller(ctx, def.permission);
  const authed: AuthedContext = { ...ctx, principal };
  await checkRateLimit(authed, def.limit);
  return def.run(authed, def.input.parse(rawInput));
}
