import { describe, expect, it } from 'vitest';
import { manualClock } from '../util/clock.js';
import { AnomalyWatch } from './anomaly-watch.js';
import { createMemoryFailedAuthLimiter } from './failed-auth-limiter.js';
import { VerifiedKeyCache } from './verified-key-cache.js';

describe('failed-auth limiter', () => {
  it('blocks an IP after N failures for the rest of the window, per IP', () => {
    const clock = manualClock();
    const limiter = createMemoryFailedAuthLimiter({ maxFailures: 2, windowMs: 60_000, clock });
    limiter.recordFailure('a');
    expect(limiter.blockedFor('a')).toBeUndefined();
    limiter.recordFailure('a');
    expect(limiter.blockedFor('a')).toBe(60);
    expect(limiter.blockedFor('b')).toBeUndefined();
    clock.advance(45_000);
    expect(limiter.blockedFor('a')).toBe(15);
    clock.advance(15_000);
    expect(limiter.blockedFor('a')).toBeUndefined();
  });

  it('stays bounded in the number of IPs it tracks', () => {
    const clock = manualClock();
    const limiter = createMemoryFailedAuthLimiter({ maxFailures: 1, windowMs: 60_000, clock, maxIps: 2 });
    for (const ip of ['a', 'b', 'c']) limiter.recordFailure(ip);
    expect(limiter.blockedFor('a')).toBeUndefined();
    expect(limiter.blockedFor('c')).toBe(60);
  });
});

describe('anomaly watch', () => {
  it('trips once on failures and once on bursts per window', () => {
    const clock = manualClock();
    const watch = new AnomalyWatch({ windowMs: 10_000, maxFailures: 2, maxRequests: 3 }, clock);
    expect(watch.recordFailure('c').tripped).toBe(false);
    expect(watch.recordFailure('c')).toMatchObject({ tripped: true, reason: '2 failed requests in 10 s' });
    expect(watch.recordFailure('c').tripped).toBe(false);
    for (let i = 0; i < 3; i++) expect(watch.recordRequest('d').tripped).toBe(false);
    expect(watch.recordRequest('d').tripped).toBe(true);
    clock.advance(10_000);
    expect(watch.recordRequest('d').tripped).toBe(false);
  });
});

describe('verified-key cache', () => {
  const verified = (clientId: string, validUntil: number) => ({ clientId, keyId: 'k', permissions: [], validUntil });

  it('forgets an entry at its validUntil and drops a whole client', () => {
    const clock = manualClock(1_000);
    const cache = new VerifiedKeyCache({ max: 10, ttlMs: 60_000, clock });
    cache.set('h1', verified('c1', 5_000), cache.epoch);
    cache.set('h2', verified('c1', 50_000), cache.epoch);
    cache.set('h3', verified('c2', 50_000), cache.epoch);
    clock.set(5_000);
    expect(cache.get('h1')).toBeUndefined();
    cache.dropClient('c1');
    expect(cache.get('h2')).toBeUndefined();
    expect(cache.get('h3')?.clientId).toBe('c2');
  });

  it('refuses a result whose verification started before a drop', () => {
    const cache = new VerifiedKeyCache({ max: 10, ttlMs: 60_000, clock: manualClock(0) });
    const epoch = cache.epoch;
    cache.dropClient('c1');
    cache.set('h', verified('c1', 10_000), epoch);
    expect(cache.get('h')).toBeUndefined();
  });
});
