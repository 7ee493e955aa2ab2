import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { RateLimiter } from '../src/rate-limit/rate-limiter.js';
import { messageBody, postMessages } from './helpers.js';

describe('RateLimiter', () => {
  it('refills continuously and reports RFC 3339 resets', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const limiter = new RateLimiter({ requestsPerMinute: 2 }, () => now);
    expect(limiter.admit(10).ok).toBe(true);
    expect(limiter.admit(10).ok).toBe(true);
    const denied = limiter.admit(10);
    expect(denied.ok).toBe(false);
    if (!denied.ok) {
      expect(denied.error.status).toBe(429);
      expect(denied.error.headers?.['retry-after']).toBe('30');
      expect(denied.error.headers?.['anthropic-ratelimit-requests-remaining']).toBe('0');
      expect(denied.error.headers?.['anthropic-ratelimit-requests-reset']).toBe('2026-01-01T00:01:00Z');
    }
    now += 30_000;
    expect(limiter.admit(10).ok).toBe(true);
  });

  it('limits input tokens per minute', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 100, inputTokensPerMinute: 100 }, () => 0);
    expect(limiter.admit(80).ok).toBe(true);
    const denied = limiter.admit(80);
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.error.message).toContain('100 input tokens per minute');
  });
});

describe('simulator rate limiting', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('is off by default', async () => {
    for (let i = 0; i < 5; i++) expect((await postMessages(sim, messageBody())).status).toBe(200);
  });

  it('answers 429 rate_limit_error with retry-after once the budget is spent, and reset() restores it', async () => {
    sim.setOptions({ rateLimit: { requestsPerMinute: 2 } });
    expect((await postMessages(sim, messageBody())).status).toBe(200);
    const second = await postMessages(sim, messageBody());
    expect(second.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const third = await postMessages(sim, messageBody());
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await third.json()).error.type).toBe('rate_limit_error');
    sim.reset();
    expect((await postMessages(sim, messageBody())).status).toBe(200);
  });
});
