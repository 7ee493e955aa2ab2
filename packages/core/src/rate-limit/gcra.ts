/**
 * GCRA (generic cell rate algorithm): one timestamp per key, the "theoretical arrival time" (TAT).
 * `limit` requests per `periodMs`: each request moves the TAT forward by one emission interval, and a
 * request fits while the outstanding debt (TAT - now) leaves room for it within one period. The burst is
 * therefore exactly `limit`, and capacity refills continuously (one request per interval), so there is no
 * window edge at which 2 × limit could pass.
 *
 * All arithmetic is in integer microseconds, so the outcome is exact and identical in SQL and in JS.
 */
export interface GcraRule {
  limit: number;
  periodMs: number;
}

/** Microseconds one request costs: period / limit, rounded down, never 0. */
export function intervalUs(rule: GcraRule): number {
  return Math.max(1, Math.floor((rule.periodMs * 1000) / rule.limit));
}

/** Requests currently "in the window": the debt rounded up to whole intervals. */
export function usedAt(tatUs: number, nowUs: number, interval: number): number {
  const debt = Math.max(0, tatUs - nowUs);
  return Math.ceil(debt / interval);
}

/** Grants up to `cost` requests against `tatUs` (undefined: a fresh key). Mirrors the SQL in postgres-rate-limiter.ts. */
export function gcraConsume(
  tatUs: number | undefined,
  nowUs: number,
  cost: number,
  rule: GcraRule,
): { tatUs: number; granted: number } {
  const interval = intervalUs(rule);
  const base = Math.max(tatUs ?? nowUs, nowUs);
  const available = Math.max(0, rule.limit - usedAt(base, nowUs, interval));
  const granted = Math.min(cost, available);
  return { tatUs: base + granted * interval, granted };
}

/** What one request learns from a decision: its place among the `granted` of its batch, or a refusal. */
export interface GcraOutcome {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the full `limit` is available again (ms since the epoch). */
  resetAtMs: number;
  /** Refused: milliseconds until one request fits. 0 when allowed. */
  retryAfterMs: number;
  /** The key's TAT after the decision (µs): lets a caller remember a refusal without asking again. */
  tatUs: number;
}

/**
 * The outcome for the `index`-th request (0-based) of a group that asked together and got `granted`,
 * given the TAT after the decision. Earlier requests in the group see more remaining than later ones.
 */
export function outcomeOf(tatUs: number, nowUs: number, granted: number, index: number, rule: GcraRule): GcraOutcome {
  const interval = intervalUs(rule);
  const used = usedAt(tatUs, nowUs, interval);
  const resetAtMs = Math.ceil(Math.max(tatUs, nowUs) / 1000);
  if (index < granted) {
    // As if the group had been decided one by one: this request's own TAT, remaining and reset.
    const later = granted - 1 - index;
    const remaining = Math.max(0, rule.limit - used + later);
    const ownTat = tatUs - later * interval;
    return {
      allowed: true,
      limit: rule.limit,
      remaining,
      resetAtMs: Math.ceil(Math.max(ownTat, nowUs) / 1000),
      retryAfterMs: 0,
      tatUs: ownTat,
    };
  }
  const waitUs = Math.max(1, tatUs - nowUs - (rule.limit - 1) * interval);
  return {
    allowed: false,
    limit: rule.limit,
    remaining: 0,
    resetAtMs,
    retryAfterMs: Math.ceil(waitUs / 1000),
    tatUs,
  };
}

/** True when a known TAT already refuses any request at `nowUs` (TATs only grow, so this never errs). */
export function refusesAt(tatUs: number, nowUs: number, rule: GcraRule): boolean {
  return usedAt(tatUs, nowUs, intervalUs(rule)) >= rule.limit;
}
