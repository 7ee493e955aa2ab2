import { rfc3339 } from './rate-limiter.js';

/** Limits reported while the simulator's limiter is off; nothing is enforced. */
const NOMINAL = { requests: 4_000, 'input-tokens': 2_000_000, 'output-tokens': 400_000, tokens: 2_400_000 };

let cachedSecond = -1;
let cached: Record<string, string> = {};

/**
 * Full-capacity `anthropic-ratelimit-*` headers. Rebuilt at most once per second so a hot loop of
 * requests does not format dates each time.
 */
export function nominalRateLimitHeaders(now = Date.now()): Record<string, string> {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    const reset = rfc3339(now);
    const headers: Record<string, string> = {};
    for (const [name, limit] of Object.entries(NOMINAL)) {
      headers[`anthropic-ratelimit-${name}-limit`] = String(limit);
      headers[`anthropic-ratelimit-${name}-remaining`] = String(limit);
      headers[`anthropic-ratelimit-${name}-reset`] = reset;
    }
    cached = headers;
    cachedSecond = second;
  }
  return cached;
}
