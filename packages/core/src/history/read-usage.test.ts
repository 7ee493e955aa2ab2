import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { manualClock } from '../util/clock.js';
import { usageClientFor, usageRange } from './read-usage.js';

describe('usageClientFor', () => {
  const client = { clientId: 'client_a', permissions: ['query'] };
  const admin = { clientId: 'client_admin', permissions: ['query', 'admin'] };

  it("gives a client its own usage and refuses anyone else's with 403", () => {
    expect(usageClientFor(client, undefined)).toBe('client_a');
    expect(usageClientFor(client, 'client_a')).toBe('client_a');
    const refused = (() => {
      try {
        usageClientFor(client, 'client_b');
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('authorization_error');
    expect((refused as AppError).status).toBe(403);
  });

  it("lets an admin read anyone's", () => {
    expect(usageClientFor(admin, 'client_b')).toBe('client_b');
    expect(usageClientFor(admin, undefined)).toBe('client_admin');
  });
});

describe('usageRange', () => {
  const clock = manualClock(Date.UTC(2026, 2, 15, 23, 59));

  it('defaults to the last 30 UTC days, today included', () => {
    expect(usageRange({}, clock)).toEqual({ from: '2026-02-14', to: '2026-03-15' });
    expect(usageRange({ to: '2026-01-30' }, clock)).toEqual({ from: '2026-01-01', to: '2026-01-30' });
  });

  it('accepts one day and at most 366', () => {
    expect(usageRange({ from: '2026-03-01', to: '2026-03-01' }, clock)).toEqual({
      from: '2026-03-01',
      to: '2026-03-01',
    });
    expect(usageRange({ from: '2025-01-01', to: '2026-01-01' }, clock).from).toBe('2025-01-01');
    expect(() => usageRange({ from: '2024-12-31', to: '2026-01-01' }, clock)).toThrow(/366/);
  });

  it('rejects from after to', () => {
    expect(() => usageRange({ from: '2026-03-02', to: '2026-03-01' }, clock)).toThrow(AppError);
  });
});
