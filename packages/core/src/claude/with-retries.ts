import { UpstreamError } from './upstream.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A retry-after longer than this is not waited for: the error goes back to the caller. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export interface RetryDeps {
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (error: UpstreamError, attempt: number, delayMs: number) => void;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UpstreamError('aborted', 'request aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UpstreamError('aborted', 'request aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delay before retry number `retry` (0-based): full jitter, but never sooner than the upstream asked. */
export function retryDelay(policy: RetryPolicy, retry: number, error: UpstreamError, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const jitter = Math.floor(random() * cap);
  return error.retryAfterMs === undefined ? jitter : Math.max(error.retryAfterMs, jitter);
}

/** Runs `fn` within one attempt budget; only transient upstream errors are retried. */
export async function callWithRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  deps: RetryDeps = {},
): Promise<T> {
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof UpstreamError) || !error.transient) throw error;
      if (attempt + 1 >= policy.maxAttempts) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs) throw error;
      const delay = retryDelay(policy, attempt, error, random);
      deps.onRetry?.(error, attempt + 1, delay);
      await sleep(delay, signal);
    }
  }
}
