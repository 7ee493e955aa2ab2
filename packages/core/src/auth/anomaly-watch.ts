import { LRUCache } from 'lru-cache';
import type { Clock } from '../util/clock.js';

/** A8's rule: within one window, this many failures or requests by one client suspend it. 0 turns a part off. */
export interface AnomalyRule {
  windowMs: number;
  maxFailures: number;
  maxRequests: number;
}

export type AnomalyVerdict = { tripped: false } | { tripped: true; reason: string };

interface Counters {
  start: number;
  failures: number;
  requests: number;
}

/**
 * Counts per client, per instance, in fixed windows (bounded LRU). Only the verdict is shared: the caller
 * persists a suspension, which every instance then honours.
 */
export class AnomalyWatch {
  private readonly counters: LRUCache<string, Counters>;

  constructor(
    private readonly rule: AnomalyRule,
    private readonly clock: Clock,
    maxClients = 50_000,
  ) {
    this.counters = new LRUCache({ max: maxClients });
  }

  recordRequest(clientId: string): AnomalyVerdict {
    if (this.rule.maxRequests <= 0) return { tripped: false };
    const c = this.window(clientId);
    c.requests += 1;
    return c.requests === this.rule.maxRequests + 1
      ? { tripped: true, reason: `more than ${this.rule.maxRequests} requests in ${this.windowText()}` }
      : { tripped: false };
  }

  recordFailure(clientId: string): AnomalyVerdict {
    if (this.rule.maxFailures <= 0) return { tripped: false };
    const c = this.window(clientId);
    c.failures += 1;
    return c.failures === this.rule.maxFailures
      ? { tripped: true, reason: `${this.rule.maxFailures} failed requests in ${this.windowText()}` }
      : { tripped: false };
  }

  reset(clientId: string): void {
    this.counters.delete(clientId);
  }

  private window(clientId: string): Counters {
    const now = this.clock.now();
    const c = this.counters.get(clientId);
    if (c && now - c.start < this.rule.windowMs) return c;
    const fresh = { start: now, failures: 0, requests: 0 };
    this.counters.set(clientId, fresh);
    return fresh;
  }

  private windowText(): string {
    return `${Math.round(this.rule.windowMs / 1000)} s`;
  }
}
