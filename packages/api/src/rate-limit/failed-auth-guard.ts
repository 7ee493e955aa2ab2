import { AppError } from '@claude-proxy/core';
import type { RequestContext } from '../context.js';
import { toAppError } from '../errors.js';
import { retryAfterSeconds } from './rate-limit-headers.js';

function tooManyFailures(retryAfter: number): AppError {
  return new AppError(
    'rate_limit_exceeded',
    `Too many failed authentication attempts from this IP address; retry in ${retryAfter} s`,
    { retryAfter, details: { type: 'auth_failure', scope: 'ip' } },
  );
}

/**
 * Per-IP limit on failed authentication, around whatever authenticates (authedProcedure, token exchange).
 * An IP this instance knows to be over the limit is refused before any key is checked (no bcrypt for it);
 * every authentication_error counts in the shared store, and the one that passes the limit becomes a 429.
 */
export async function guardFailedAuth<R extends { ok: boolean; error?: unknown }>(
  ctx: RequestContext,
  next: () => Promise<R>,
): Promise<R> {
  const limit = ctx.services.rateLimits.failedAuth;
  const blocked = limit.blockedFor(ctx.ip);
  if (blocked !== undefined) throw tooManyFailures(blocked);
  const result = await next();
  if (!result.ok && toAppError(result.error).code === 'authentication_error') {
    const decision = await limit.recordFailure(ctx.ip);
    if (decision && !decision.allowed) throw tooManyFailures(retryAfterSeconds(decision.retryAfterMs));
  }
  return result;
}
