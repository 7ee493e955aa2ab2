export interface WebhookRetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles each time up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Default: 12 attempts, 1 min doubling to a 6 h cap: 1m 2m 4m 8m 16m 32m 64m 128m 256m 6h 6h between attempts,
 * about 20.5 h from the first attempt to the last (±20% jitter per step).
 */
export const DEFAULT_WEBHOOK_RETRY_POLICY: WebhookRetryPolicy = {
  maxAttempts: 12,
  baseDelayMs: 60_000,
  maxDelayMs: 6 * 3600_000,
};

/** What one attempt's outcome means for the delivery. */
export type AttemptVerdict = 'delivered' | 'retry' | 'failed';

/** 2xx delivered; 408, 429, 5xx and transport failures retried; anything else (3xx, other 4xx) final. */
export function verdictFor(outcome: { statusCode?: number; retryable?: boolean }): AttemptVerdict {
  const status = outcome.statusCode;
  if (status === undefined) return outcome.retryable === false ? 'failed' : 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/**
 * Delay before attempt `nextAttempt` (2 = the first retry): exponential with ±20% jitter, never below a
 * receiver's Retry-After, never above the cap.
 */
export function retryDelayMs(
  nextAttempt: number,
  policy: WebhookRetryPolicy,
  options: { retryAfterMs?: number; random?: () => number } = {},
): number {
  const random = options.random ?? Math.random;
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, nextAttempt - 2);
  const jittered = Math.min(policy.maxDelayMs, exponential) * (0.8 + 0.4 * random());
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, options.retryAfterMs ?? 0)));
}
