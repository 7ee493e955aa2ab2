import {
  type AppError,
  createMemoryRateLimiter,
  createMemoryRateLimitOverrides,
  createRateLimits,
  manualClock,
  type RateLimitConfig,
  type Services,
} from '@claude-proxy/core';
import { describe, expect, it } from 'vitest';
import { createRequestContext, type Principal } from '../context.js';
import { createCallerFactory, publicProcedure, router } from '../trpc.js';
import { limited } from './limited.js';

const config: RateLimitConfig = {
  perMinute: { query: 5, queue: 2, read: 100 },
  ipPerMinute: 60,
  authFailuresPerMinute: 3,
};

function setup() {
  const clock = manualClock();
  const rateLimits = createRateLimits({
    limiter: createMemoryRateLimiter(),
    overrides: createMemoryRateLimitOverrides(clock),
    config,
    clock,
  });
  const services = { rateLimits } as unknown as Services;
  const attempts = 0;
  // The credential names the client, as a real auth middleware would after verifying it.
  const asClient = publicProcedure.use(({ ctx, next }) => {
    const principal: Principal = { clientId: ctx.credential ?? 'anonymous', permissions: ['query'] };
    return next({ ctx: { ...ctx, principal } });
  });
  const appRouter = router({
    query: asClient.use(limited('query')).query(() => 'ok'),
    both: asClient
      .use(limited('query'))
      .use(limited('queue'))
      .query(() => 'ok'),
  });
  const call = async (name: 'query' | 'both', opts: { credential?: string; ip?: string } = {}) => {
    const ctx = createRequestContext({
      services,
      requestId: 'r',
      ip: opts.ip ?? '203.0.113.1',
      credential: opts.credential,
    });
    const caller = createCallerFactory(appRouter)(ctx);
    try {
      return { ok: true as const, value: await caller[name](), headers: ctx.responseHeaders };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause as AppError;
      return { ok: false as const, code: cause.code, retryAfter: cause.retryAfter, headers: ctx.responseHeaders };
    }
  };
  return { clock, rateLimits, call, attempts: () => attempts };
}

describe('limited()', () => {
  it('counts down in the headers, then answers 429 with Retry-After', async () => {
    const { call } = setup();
    for (let i = 0; i < 5; i++) {
      const res = await call('query', { credential: 'client_a' });
      expect(res.ok).toBe(true);
      expect(res.headers.get('X-RateLimit-Limit')).toBe('5');
      expect(res.headers.get('X-RateLimit-Remaining')).toBe(String(4 - i));
    }
    const refused = await call('query', { credential: 'client_a' });
    expect(refused).toMatchObject({ ok: false, code: 'rate_limit_exceeded', retryAfter: 12 });
    expect(refused.headers.get('X-RateLimit-Remaining')).toBe('0');
  });

  it('keys by client when authenticated and by IP otherwise', async () => {
    const { call } = setup();
    for (let i = 0; i < 5; i++) await call('query', { credential: 'client_a' });
    expect((await call('query', { credential: 'client_b' })).ok).toBe(true);
    expect((await call('query', { ip: '203.0.113.1' })).ok).toBe(true);
    expect((await call('query', { ip: '203.0.113.2' })).headers.get('X-RateLimit-Remaining')).toBe('4');
  });

  it('applies a per-client override', async () => {
    const { call, rateLimits } = setup();
    await rateLimits.overrides.set('client_big', { query: 50 });
    expect((await call('query', { credential: 'client_big' })).headers.get('X-RateLimit-Limit')).toBe('50');
  });

  it('reports the most restrictive limit when several apply', async () => {
    const { call } = setup();
    const first = await call('both', { credential: 'client_c' });
    expect(first.headers.get('X-RateLimit-Limit')).toBe('2');
    expect(first.headers.get('X-RateLimit-Remaining')).toBe('1');
    await call('both', { credential: 'client_c' });
    const third = await call('both', { credential: 'client_c' });
    expect(third).toMatchObject({ ok: false, code: 'rate_limit_exceeded' });
    expect(third.headers.get('X-RateLimit-Limit')).toBe('2');
    expect(third.headers.get('X-RateLimit-Remaining')).toBe('0');
  });
});
