import { describe, expect, it } from 'vitest';
import { UpstreamError } from './upstream.js';
import { callWithRetries, DEFAULT_RETRY_POLICY, retryDelay } from './with-retries.js';

const overloaded = () => new UpstreamError('status', 'overloaded', { status: 529, type: 'overloaded_error' });

describe('callWithRetries', () => {
  it('retries transient errors within the budget and returns the success', async () => {
    const slept: number[] = [];
    let calls = 0;
    const result = await callWithRetries(
      async () => {
        calls++;
        if (calls < 3) throw overloaded();
        return 'ok';
      },
      DEFAULT_RETRY_POLICY,
      undefined,
      { random: () => 0.5, sleep: async (ms) => void slept.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(slept).toEqual([250, 500]);
  });

  it('gives up after maxAttempts', async () => {
    let calls = 0;
    const failing = callWithRetries(
      async () => {
        calls++;
        throw overloaded();
      },
      { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 },
      undefined,
      { sleep: async () => {} },
    );
    await expect(failing).rejects.toBeInstanceOf(UpstreamError);
    expect(calls).toBe(3);
  });

  it.each([400, 401, 403, 404, 413])('never retries %i', async (status) => {
    let calls = 0;
    await expect(
      callWithRetries(
        async () => {
          calls++;
          throw new UpstreamError('status', 'no', { status });
        },
        DEFAULT_RETRY_POLICY,
        undefined,
        { sleep: async () => {} },
      ),
    ).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  it('waits at least retry-after, and not at all past the cap', async () => {
    const e = new UpstreamError('status', 'slow down', { status: 429, retryAfterMs: 3000 });
    expect(retryDelay(DEFAULT_RETRY_POLICY, 0, e, () => 0.99)).toBe(3000);
    let calls = 0;
    const tooLong = new UpstreamError('status', 'later', { status: 429, retryAfterMs: 120_000 });
    await expect(
      callWithRetries(
        async () => {
          calls++;
          throw tooLong;
        },
        DEFAULT_RETRY_POLICY,
        undefined,
        { sleep: async () => {} },
      ),
    ).rejects.toBe(tooLong);
    expect(calls).toBe(1);
  });

  it('full jitter stays within the exponential cap', () => {
    const e = overloaded();
    for (let retry = 0; retry < 6; retry++) {
      const cap = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** retry);
      expect(retryDelay(DEFAULT_RETRY_POLICY, retry, e, () => 0.999999)).toBeLessThan(cap);
      expect(retryDelay(DEFAULT_RETRY_POLICY, retry, e, () => 0)).toBe(0);
    }
  });
});
