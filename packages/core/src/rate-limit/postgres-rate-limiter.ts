import type pg from 'pg';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../util/logger.js';
import { intervalUs, outcomeOf } from './gcra.js';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from './rate-limiter.js';

export interface PostgresRateLimiterOptions {
  pool: pg.Pool;
  logger: Logger;
  /** Statements in flight at once; requests arriving meanwhile wait and go in the next batch. */
  maxInFlight?: number;
  /** Keys decided by one statement at most. */
  maxBatch?: number;
  /** Requests waiting for a batch at most; past it a request is refused with 503 rather than queued. */
  maxPending?: number;
  /** How long one decision may take before the request gets 503. */
  timeoutMs?: number;
}

/**
 * GCRA in one statement (see gcra.ts, whose gcraConsume this mirrors): every key of the batch is inserted
 * or updated under its row lock, so concurrent decisions from any number of instances serialise per key and
 * the result is exact. `granted` on insert carries min(cost, limit); on conflict it is recomputed from the
 * stored TAT. Keys are sorted so two batches never lock rows in opposite orders (no deadlock).
 */
const CONSUME_SQL = `
INSERT INTO rate_limit_state AS s (key, tat, granted, limit_count, interval_us)
SELECT k, $5::bigint + LEAST(c, l)::bigint * i, LEAST(c, l), l, i
FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[]) AS b(k, c, l, i)
ORDER BY k
ON CONFLICT (key) DO UPDATE SET
  granted = LEAST(EXCLUDED.granted, GREATEST(0, EXCLUDED.limit_count
    - (GREATEST(s.tat, $5::bigint) - $5::bigint + EXCLUDED.interval_us - 1) / EXCLUDED.interval_us)),
  tat = GREATEST(s.tat, $5::bigint) + EXCLUDED.interval_us * LEAST(EXCLUDED.granted, GREATEST(0, EXCLUDED.limit_count
    - (GREATEST(s.tat, $5::bigint) - $5::bigint + EXCLUDED.interval_us - 1) / EXCLUDED.interval_us)),
  limit_count = EXCLUDED.limit_count,
  interval_us = EXCLUDED.interval_us
RETURNING key, tat, granted`;

/** A row whose TAT is past holds no debt: deleting it changes no decision. */
const SWEEP_SQL = `DELETE FROM rate_limit_state WHERE key IN (
  SELECT key FROM rate_limit_state WHERE tat < $1::bigint LIMIT 5000)`;
const SWEEP_EVERY_MS = 60_000;

interface Pending {
  rule: RateLimitRule;
  nowMs: number;
  resolve: (d: RateLimitDecision) => void;
  reject: (e: unknown) => void;
}

interface Group {
  rule: RateLimitRule;
  waiters: Pending[];
}

function unavailable(reason: string, cause?: unknown): AppError {
  return new AppError('service_unavailable', 'Rate limiter unavailable; retry shortly', {
    retryAfter: 1,
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The shared limiter. Requests that arrive while a statement is in flight are batched into the next one
 * (one round trip decides many keys), which is what keeps it fast under concurrency without giving up
 * exactness: each key is still decided under its row lock.
 */
export function createPostgresRateLimiter(options: PostgresRateLimiterOptions): RateLimiter {
  const maxInFlight = options.maxInFlight ?? 2;
  const maxBatch = options.maxBatch ?? 500;
  const maxPending = options.maxPending ?? 20_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let pending: Pending[] = [];
  let inFlight = 0;
  let lastSweep = 0;

  const run = async (batch: Pending[]): Promise<void> => {
    // One statement, one instant: the latest of its callers' clocks (time only moves forward).
    let nowMs = 0;
    for (const p of batch) nowMs = Math.max(nowMs, p.nowMs);
    const groups = new Map<string, Group>();
    for (const p of batch) {
      // A key asked twice in one batch is one row asked for 2; the first request's rule speaks for both.
      const group = groups.get(p.rule.key);
      if (group) group.waiters.push(p);
      else groups.set(p.rule.key, { rule: p.rule, waiters: [p] });
    }
    const list = [...groups.values()];
    const nowUs = nowMs * 1000;
    try {
      const result = await options.pool.query<{ key: string; tat: number; granted: number }>({
        name: 'rate_limit_consume',
        text: CONSUME_SQL,
        values: [
          list.map((g) => g.rule.key),
          list.map((g) => g.waiters.length),
          list.map((g) => g.rule.limit),
          list.map((g) => intervalUs(g.rule)),
          nowUs,
        ],
      });
      for (const row of result.rows) {
        const group = groups.get(row.key);
        if (!group) continue;
        groups.delete(row.key);
        group.waiters.forEach((w, i) => {
          w.resolve(outcomeOf(Number(row.tat), nowUs, row.granted, i, group.rule));
        });
      }
      for (const group of groups.values()) for (const w of group.waiters) w.reject(unavailable('no decision'));
    } catch (error) {
      options.logger.error({ err: error }, 'rate limit decision failed');
      for (const p of batch) p.reject(unavailable('database error', error));
    }
    if (nowMs - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = nowMs;
      options.pool.query(SWEEP_SQL, [nowUs]).catch((err) => options.logger.warn({ err }, 'rate limit sweep failed'));
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && pending.length > 0) {
      const batch = pending.length <= maxBatch ? pending : pending.slice(0, maxBatch);
      pending = pending.length <= maxBatch ? [] : pending.slice(maxBatch);
      inFlight += 1;
      void run(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return {
    consume(rule, nowMs) {
      if (pending.length >= maxPending) return Promise.reject(unavailable('too many pending decisions'));
      return new Promise<RateLimitDecision>((resolve, reject) => {
        const timer = setTimeout(() => reject(unavailable('decision timed out')), timeoutMs);
        const settle =
          <T>(fn: (v: T) => void) =>
          (v: T) => {
            clearTimeout(timer);
            fn(v);
          };
        pending.push({ rule, nowMs, resolve: settle(resolve), reject: settle(reject) });
        pump();
      });
    },
  };
}
