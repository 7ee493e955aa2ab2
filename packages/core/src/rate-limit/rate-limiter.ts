import type { GcraOutcome, GcraRule } from './gcra.js';

/** One limit on one key, e.g. `query:client:client_abc` at 60 per minute. */
export interface RateLimitRule extends GcraRule {
  key: string;
}

export type RateLimitDecision = GcraOutcome;

/**
 * Decides atomically whether one request under `rule` may pass at `nowMs`, and consumes it if so.
 * A refused request consumes nothing. Adapters: Postgres (shared by every instance) and memory (tests).
 */
export interface RateLimiter {
  consume(rule: RateLimitRule, nowMs: number): Promise<RateLimitDecision>;
  /** Gives back whatever this instance holds (lease tokens); called at shutdown, before the pool closes. */
  close?(): Promise<void>;
}
