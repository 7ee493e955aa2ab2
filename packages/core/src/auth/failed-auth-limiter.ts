import { LRUCache } from 'lru-cache';
import type { Clock } from '../util/clock.js';

/**
 * Failed authentication, limited per IP: a port, so a shared (Postgres) limiter can replace the in-process
 * one without touching the auth code.
 */
export interface FailedAuthLimiter {
  /** Seconds the IP must wait, or undefined when it may try (what this instance already knows). */
  blockedFor(ip: string): number | undefined;
  /**
   * Counts one failure. Resolves to the seconds to wait when this failure was itself over the limit (a shared
   * store may know of failures on other instances that `blockedFor` had not seen yet), else undefined.
   */
  recordFailure(ip: string): Promise<number | undefined> | number | undefined;
}

export interface MemoryFailedAuthLimiterOptions {
  /** Failures allowed per IP per window; 0 turns the limiter off. */
  maxFailures: number;
  windowMs: number;
  clock: Clock;
  /** IPs tracked at once (least recently failing forgotten first). */
  maxIps?: number;
}

/** Fixed windows per IP in a bounded LRU. Per instance: N instances allow up to N times the limit. */
export function createMemoryFailedAuthLimiter(options: MemoryFailedAuthLimiterOptions): FailedAuthLimiter {
  const windows = new LRUCache<string, { start: number; failures: number }>({ max: options.maxIps ?? 50_000 });
  const current = (ip: string) => {
    const now = options.clock.now();
    const w = windows.get(ip);
    return w && now - w.start < options.windowMs ? w : undefined;
  };
  return {
    blockedFor(ip) {
      if (options.maxFailures <= 0) return undefined;
      const w = current(ip);
      if (!w || w.failures < options.maxFailures) return undefined;
      return Math.max(1, Math.ceil((w.start + options.windowMs - options.clock.now()) / 1000));
    },
    recordFailure(ip) {
      if (options.maxFailures <= 0) return undefined;
      const w = current(ip);
      if (!w) {
        windows.set(ip, { start: options.clock.now(), failures: 1 });
        return undefined;
      }
      w.failures += 1;
      if (w.failures <= options.maxFailures) return undefined;
      return Math.max(1, Math.ceil((w.start + options.windowMs - options.clock.now()) / 1000));
    },
  };
}
