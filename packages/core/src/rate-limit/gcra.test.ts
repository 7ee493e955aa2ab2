import { describe, expect, it } from 'vitest';
import { gcraConsume, intervalUs, outcomeOf, refusesAt } from './gcra.js';

const rule = { limit: 60, periodMs: 60_000 };
const t0 = Date.UTC(2026, 0, 1) * 1000;

describe('GCRA', () => {
  it('lets exactly `limit` through in one burst, then refuses', () => {
    const first = gcraConsume(undefined, t0, 100, rule);
    expect(first.granted).toBe(60);
    expect(gcraConsume(first.tatUs, t0, 1, rule).granted).toBe(0);
    expect(refusesAt(first.tatUs, t0, rule)).toBe(true);
  });

  it('refills one request per interval, never a whole window at once', () => {
    let { tatUs } = gcraConsume(undefined, t0, 60, rule);
    expect(gcraConsume(tatUs, t0 + 999_999, 1, rule).granted).toBe(0);
    const oneSecond = gcraConsume(tatUs, t0 + 1_000_000, 5, rule);
    expect(oneSecond.granted).toBe(1);
    tatUs = oneSecond.tatUs;
    expect(gcraConsume(tatUs, t0 + 31_000_000, 100, rule).granted).toBe(30);
  });

  it('numbers remaining within a group and tells a refused request when one fits', () => {
    const { tatUs, granted } = gcraConsume(undefined, t0, 3, rule);
    const outcomes = [0, 1, 2].map((i) => outcomeOf(tatUs, t0, granted, i, rule));
    expect(outcomes.map((o) => o.remaining)).toEqual([59, 58, 57]);
    expect(outcomes.map((o) => o.resetAtMs - t0 / 1000)).toEqual([1000, 2000, 3000]);
    const full = gcraConsume(undefined, t0, 60, rule);
    const refused = outcomeOf(full.tatUs, t0, full.granted, 60, rule);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    expect(refused.resetAtMs).toBe(t0 / 1000 + 60_000);
  });

  it('keeps the burst exact when the period does not divide evenly', () => {
    const odd = { limit: 7, periodMs: 60_000 };
    expect(intervalUs(odd)).toBe(8_571_428);
    expect(gcraConsume(undefined, t0, 10, odd).granted).toBe(7);
  });

  it('carries the debt already incurred over to a changed limit, in proportion', () => {
    const { tatUs } = gcraConsume(undefined, t0, 30, rule);
    expect(gcraConsume(tatUs, t0, 20, { limit: 20, periodMs: 60_000 }).granted).toBe(10);
  });
});
