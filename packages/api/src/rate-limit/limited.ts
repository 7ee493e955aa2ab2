import type { RateLimitType } from '@claude-proxy/core';
import type { Principal, RequestContext } from '../context.js';
import { middleware } from '../trpc.js';
import { applyRateLimitHeaders, rateLimitError } from './rate-limit-headers.js';

/** The placeholder principal of an open deployment: not a client, so limited by IP like any stranger. */
const ANONYMOUS = 'anonymous';

/**
 * Counts one request of `type` against the caller: the authenticated client, else the IP. Sets X-RateLimit-*
 * on every answer (429 included); a refusal throws a 429 `rate_limit_exceeded` with Retry-After and
 * consumes nothing.
 */
export async function checkRateLimit(
  ctx: RequestContext & { principal?: Principal },
  type: RateLimitType,
): Promise<void> {
  const principal = ctx.principal;
  const clientId = principal && principal.clientId !== ANONYMOUS ? principal.clientId : undefined;
  const check = await ctx.services.rateLimits.check({
    type,
    ip: ctx.ip,
    ...(clientId === undefined ? {} : { clientId }),
  });
  if (check) {
    applyRateLimitHeaders(ctx.responseHeaders, check);
    if (!check.allowed) throw rateLimitError(check);
  }
}

/** Opts a procedure into the `type` limit: `authedProcedure('query').use(limited('query'))`. */
export function limited(type: RateLimitType) {
  return middleware(async ({ ctx, next }) => {
    await checkRateLimit(ctx, type);
    return next();
  });
}
