import { AppError, type RateLimitCheck } from '@claude-proxy/core';
import type { ResponseHeaders } from '../response-headers.js';

export const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const;

/** Whole seconds a refused caller should wait; never 0, since "retry now" would only be refused again. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/**
 * Writes X-RateLimit-* (Reset in Unix seconds). When several limits apply to one response, the most
 * restrictive wins: the fewest remaining, then the latest reset.
 */
export function applyRateLimitHeaders(headers: ResponseHeaders, check: RateLimitCheck): void {
  const reset = Math.ceil(check.resetAtMs / 1000);
  const current = headers.get('X-RateLimit-Remaining');
  if (current !== null) {
    const remaining = Number(current);
    const currentReset = Number(headers.get('X-RateLimit-Reset') ?? 0);
    if (remaining < check.remaining || (remaining === check.remaining && currentReset >= reset)) return;
  }
  headers.set('X-RateLimit-Limit', String(check.limit));
  headers.set('X-RateLimit-Remaining', String(check.remaining));
  headers.set('X-RateLimit-Reset', String(reset));
}

/**
 * Too many failed authentications from the caller's address: its 429 carries X-RateLimit-* like every other
 * (S2), for the failed-authentication limit. Anything else passes untouched.
 */
export function applyFailedAuthHeaders(
  ctx: {
    services: { config: { rateLimit: { authFailuresPerMinute: number } }; clock: { now(): number } };
    responseHeaders: ResponseHeaders;
  },
  error: unknown,
): void {
  if (!(error instanceof AppError) || error.code !== 'rate_limit_exceeded' || error.retryAfter === undefined) return;
  ctx.responseHeaders.set('X-RateLimit-Limit', String(ctx.services.config.rateLimit.authFailuresPerMinute));
  ctx.responseHeaders.set('X-RateLimit-Remaining', '0');
  ctx.responseHeaders.set('X-RateLimit-Reset', String(Math.ceil(ctx.services.clock.now() / 1000) + error.retryAfter));
}

/** The 429 for a refused check (X2 body; Retry-After from `retryAfter`). */
export function rateLimitError(check: RateLimitCheck): AppError {
  const retryAfter = retryAfterSeconds(check.retryAfterMs);
  const who = check.scope === 'client' ? 'this client' : 'this IP address';
  return new AppError(
    'rate_limit_exceeded',
    `Rate limit exceeded: ${check.limit} ${check.type} requests per minute for ${who}; retry in ${retryAfter} s`,
    {
      retryAfter,
      details: `${check.type} limit ${check.limit} per minute by ${check.scope}; 0 remaining until ${Math.ceil(check.resetAtMs / 1000)} (X-RateLimit-Reset)`,
    },
  );
}
