import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_RETRY_POLICY, retryDelayMs, verdictFor } from './retry-schedule.js';

describe('webhook retry schedule', () => {
  it('classifies outcomes', () => {
    expect(verdictFor({ statusCode: 200 })).toBe('delivered');
    expect(verdictFor({ statusCode: 204 })).toBe('delivered');
    for (const s of [408, 429, 500, 502, 503, 504]) expect(verdictFor({ statusCode: s })).toBe('retry');
    for (const s of [301, 302, 307, 400, 401, 403, 404, 410, 422]) expect(verdictFor({ statusCode: s })).toBe('failed');
    expect(verdictFor({ retryable: true })).toBe('retry');
    expect(verdictFor({ retryable: false })).toBe('failed');
  });

  it('the default schedule doubles from 1 min to a 6 h cap and spans about a day', () => {
    const mid = () => 0.5;
    const delays = Array.from({ length: 11 }, (_, i) =>
      retryDelayMs(i + 2, DEFAULT_WEBHOOK_RETRY_POLICY, { random: mid }),
    );
    expect(delays.slice(0, 3)).toEqual([60_000, 120_000, 240_000]);
    expect(delays.at(-1)).toBe(6 * 3600_000);
    const totalHours = delays.reduce((a, b) => a + b, 0) / 3600_000;
    expect(totalHours).toBeGreaterThan(18);
    expect(totalHours).toBeLessThan(24);
  });

  it('jitter stays within ±20% and Retry-After is a floor, the cap a ceiling', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect(retryDelayMs(2, policy, { random: () => 0 })).toBe(800);
    expect(retryDelayMs(2, policy, { random: () => 1 })).toBe(1200);
    expect(retryDelayMs(2, policy, { random: () => 0.5, retryAfterMs: 5000 })).toBe(5000);
    expect(retryDelayMs(2, policy, { random: () => 0.5, retryAfterMs: 99_000 })).toBe(10_000);
    expect(retryDelayMs(20, policy, { random: () => 1 })).toBe(10_000);
  });
});
