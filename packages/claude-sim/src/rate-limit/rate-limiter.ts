import { type ApiErrorReply, apiError } from '../errors/api-error.js';
import type { RateLimitOptions } from '../types.js';
import { TokenBucket } from './token-bucket.js';

export type RateDecision = { ok: true; headers: Record<string, string> } | { ok: false; error: ApiErrorReply };

const RATE_LIMIT_DOCS = 'For details, refer to: https://docs.claude.com/en/api/rate-limits.';

/**
 * Per-simulator limiter over requests, input tokens and output tokens per minute. Output tokens are
 * charged after generation (the real API estimates them up front and settles later), so a request is
 * admitted while any output capacity is left.
 */
export class RateLimiter {
  private readonly requests: TokenBucket;
  private readonly input: TokenBucket | undefined;
  private readonly output: TokenBucket | undefined;

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    const t = now();
    this.requests = new TokenBucket(options.requestsPerMinute, t);
    this.input = options.inputTokensPerMinute ? new TokenBucket(options.inputTokensPerMinute, t) : undefined;
    this.output = options.outputTokensPerMinute ? new TokenBucket(options.outputTokensPerMinute, t) : undefined;
  }

  admit(inputTokens: number): RateDecision {
    const t = this.now();
    const waits: Array<[number, string]> = [[this.requests.waitFor(1, t), 'requests']];
    if (this.input) waits.push([this.input.waitFor(inputTokens, t), 'input tokens']);
    if (this.output) waits.push([this.output.waitFor(1, t), 'output tokens']);
    const [wait, unit] = waits.reduce((a, b) => (b[0] > a[0] ? b : a));
    if (wait > 0) {
      const limit = unit === 'requests' ? this.requests : unit === 'input tokens' ? this.input! : this.output!;
      const headers = { ...this.headers(t), 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) };
      const message = `This request would exceed your organization's rate limit of ${limit.capacity.toLocaleString('en-US')} ${unit} per minute. ${RATE_LIMIT_DOCS} You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`;
      return { ok: false, error: apiError('rate_limit_error', message, headers) };
    }
    this.requests.take(1, t);
    this.input?.take(inputTokens, t);
    return { ok: true, headers: this.headers(t) };
  }

  chargeOutput(outputTokens: number): void {
    this.output?.take(outputTokens, this.now());
  }

  headers(t = this.now()): Record<string, string> {
    const headers: Record<string, string> = {};
    put(headers, 'requests', this.requests, t);
    if (this.input) put(headers, 'input-tokens', this.input, t);
    if (this.output) put(headers, 'output-tokens', this.output, t);
    // `tokens-*` reports the most restrictive token limit in force.
    const tightest = [this.input, this.output]
      .filter((b): b is TokenBucket => b !== undefined)
      .sort((a, b) => a.remaining(t) - b.remaining(t))[0];
    if (tightest) put(headers, 'tokens', tightest, t);
    return headers;
  }
}

function put(headers: Record<string, string>, name: string, bucket: TokenBucket, t: number): void {
  headers[`anthropic-ratelimit-${name}-limit`] = String(bucket.capacity);
  headers[`anthropic-ratelimit-${name}-remaining`] = String(bucket.remaining(t));
  headers[`anthropic-ratelimit-${name}-reset`] = rfc3339(bucket.resetAt(t));
}

/** Whole-second RFC 3339, as the real headers show (`2025-02-24T22:25:32Z`). */
export function rfc3339(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
