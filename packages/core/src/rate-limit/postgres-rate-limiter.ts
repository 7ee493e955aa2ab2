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
  /**
   * A key whose limit is at least this claims tokens in leases of limit / leaseDivisor (at most maxLease)
   * and spends them locally: one round trip per lease instead of one per request. Below it (every
   * default limit), each request is decided in Postgres.
   */
  leaseDivisor?: number;
  maxLease?: number;
  /** Unspent lease tokens go back to the shared row after this long. */
  leaseMs?: number;
  /** Keys holding a lease at most (past it, new keys are decided per request). */
  maxLeases?: number;
}

/** Tokens of a key claimed from the shared row and not yet spent by this instance. */
interface Lease {
  tokens: number;
  /** The key's TAT after the claim (µs): every claimed token counted as used. */
  tatUs: number;
  limit: number;
  periodMs: number;
  expiresAtMs: number;
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

/** Gives back unspent lease tokens: the TAT moves back by their cost, as if they had never been claimed. */
const RETURN_SQL = `
UPDATE rate_limit_state AS s SET tat = s.tat - r.cost
FROM unnest($1::text[], $2::bigint[]) AS r(k, cost)
WHERE s.key = r.k`;

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
    details: reason,
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
  const leaseDivisor = options.leaseDivisor ?? 1_000;
  const maxLease = options.maxLease ?? 1_000;
  const leaseMs = options.leaseMs ?? 1_000;
  const maxLeases = options.maxLeases ?? 10_000;
  let pending: Pending[] = [];
  let inFlight = 0;
  let lastSweep = 0;
  const leases = new Map<string, Lease>();
  let returnTimer: NodeJS.Timeout | undefined;

  /** Extra tokens to claim for a key beyond the requests waiting (0: no lease for this limit). */
  const leaseSizeOf = (rule: RateLimitRule) => {
    const size = Math.min(maxLease, Math.floor(rule.limit / leaseDivisor));
    return size >= 2 ? size : 0;
  };

  /** Sends every expired lease's unspent tokens back (all of them with `all`); one statement. */
  const returnLeases = async (nowMs: number, all = false): Promise<void> => {
    const keys: string[] = [];
    const costs: number[] = [];
    for (const [key, lease] of leases) {
      if (!all && lease.expiresAtMs > nowMs) continue;
      leases.delete(key);
      if (lease.tokens > 0) {
        keys.push(key);
        costs.push(lease.tokens * intervalUs(lease));
      }
    }
    if (keys.length > 0) await sendBack(keys, costs);
  };

  /** Never throws: tokens that cannot go back only make their keys stricter until their TAT passes. */
  const sendBack = (keys: string[], costs: number[]): Promise<void> =>
    options.pool
      .query(RETURN_SQL, [keys, costs])
      .then(() => undefined)
      .catch((err) => options.logger.warn({ err }, 'returning rate limit lease tokens failed'));

  const scheduleReturn = () => {
    if (returnTimer) return;
    returnTimer = setTimeout(() => {
      returnTimer = undefined;
      void returnLeases(Date.now()).finally(() => {
        if (leases.size > 0) scheduleReturn();
      });
    }, leaseMs);
    returnTimer.unref();
  };

  /** One request paid from this instance's lease, when it holds a live one for exactly this rule. */
  const fromLease = (rule: RateLimitRule, nowMs: number): RateLimitDecision | undefined => {
    const lease = leases.get(rule.key);
    if (!lease || lease.tokens <= 0 || lease.expiresAtMs <= nowMs) return undefined;
    if (lease.limit !== rule.limit || lease.periodMs !== rule.periodMs) return undefined;
    lease.tokens -= 1;
    const interval = intervalUs(rule);
    // Unspent tokens are not "used" yet: they are this instance's to give out or give back.
    return outcomeOf(lease.tatUs - lease.tokens * interval, nowMs * 1000, 1, 0, rule);
  };

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
    const extra = (g: Group) => (leases.size < maxLeases || leases.has(g.rule.key) ? leaseSizeOf(g.rule) : 0);
    const wanted = list.map((g) => g.waiters.length + extra(g));
    try {
      const result = await options.pool.query<{ key: string; tat: number; granted: number }>({
        name: 'rate_limit_consume',
        text: CONSUME_SQL,
        values: [
          list.map((g) => g.rule.key),
          wanted,
          list.map((g) => g.rule.limit),
          list.map((g) => intervalUs(g.rule)),
          nowUs,
        ],
      });
      for (const row of result.rows) {
        const group = groups.get(row.key);
        if (!group) continue;
        groups.delete(row.key);
        const tat = Number(row.tat);
        const granted = Math.min(row.granted, group.waiters.length);
        group.waiters.forEach((w, i) => {
          // Claimed lease tokens count as used by the shared row but are not spent yet.
          const spentTat = tat - (row.granted - granted) * intervalUs(group.rule);
          w.resolve(outcomeOf(spentTat, nowUs, granted, i, group.rule));
        });
        const leftover = row.granted - granted;
        if (leftover > 0) {
          const old = leases.get(row.key);
          let tokens = leftover;
          if (old && old.tokens > 0) {
            const sameRule = old.limit === group.rule.limit && old.periodMs === group.rule.periodMs;
            if (sameRule && old.expiresAtMs > nowMs) tokens += old.tokens;
            else void sendBack([row.key], [old.tokens * intervalUs(old)]);
          }
          leases.set(row.key, {
            tokens,
            tatUs: tat,
            limit: group.rule.limit,
            periodMs: group.rule.periodMs,
            expiresAtMs: nowMs + leaseMs,
          });
          scheduleReturn();
        }
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
      const leased = fromLease(rule, nowMs);
      if (leased) return Promise.resolve(leased);
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
    async close() {
      if (returnTimer) clearTimeout(returnTimer);
      returnTimer = undefined;
      await returnLeases(Date.now(), true);
    },
  };
}
