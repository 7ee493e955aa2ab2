import type { RateLimitType } from '@claude-proxy/core';
import type { Principal } from '../context.js';
import { middleware } from '../trpc.js';
import { applyRateLimitHeaders, rateLimitError } from './rate-limit-headers.js';

/** The placeholder principal of an open deployment: not a client, so limited by IP like any stranger. */
const ANONYMOUS = 'anonymous';

/**
 * Opts a procedure into the `type` limit: `authedProcedure('query').use(limited('query'))`. Keys by the
 * authenticated client, else by IP. Sets X-RateLimit-* on every answer (429 included); a refusal is a 429
 * `rate_limit_exceeded` with Retry-After and consumes nothing.
 */
export function limited(type: RateLimitType) {
  return middleware(async ({ ctx, next }) => {
    const principal = (ctx as { principal?: Principal }).principal;
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
    return next();
  });
}
