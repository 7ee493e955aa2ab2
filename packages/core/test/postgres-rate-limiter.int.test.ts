import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, migrateToLatest } from '../src/db/create-db.js';
import { createPostgresRateLimiter } from '../src/rate-limit/postgres-rate-limiter.js';
import { silentLogger } from '../src/util/logger.js';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Counts the decisions that went to Postgres (a lease claim counts once for all its tokens). */
function countingPool(pool: pg.Pool): { pool: pg.Pool; consumes: () => number } {
  let consumes = 0;
  const counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return (config: unknown, values?: unknown) => {
        if ((config as { name?: string }).name === 'rate_limit_consume') consumes += 1;
        return (target.query as (c: unknown, v?: unknown) => Promise<unknown>)(config, values);
      };
    },
  });
  return { pool: counted, consumes: () => consumes };
}

describe('Postgres rate limiter with leases (real Postgres, two instances)', () => {
  const schema = `rl_${randomBytes(5).toString('hex')}`;
  let a: Db;
  let b: Db;
  beforeAll(async () => {
    a = createDb({ connectionString: TEST_DATABASE_URL, schema, max: 3 });
    b = createDb({ connectionString: TEST_DATABASE_URL, schema, max: 3 });
    await migrateToLatest(a);
  });
  afterAll(async () => {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(a.db);
    await a.close();
    await b.close();
  });

  it('never lets more than the limit through across instances, and gives unspent tokens back exactly', async () => {
    const now = Date.UTC(2026, 5, 1);
    const rule = { key: 'query:c:shared', limit: 20_000, periodMs: 60_000 };
    const countedA = countingPool(a.pool);
    const one = createPostgresRateLimiter({ pool: countedA.pool, logger: silentLogger, leaseDivisor: 100 });
    const two = createPostgresRateLimiter({ pool: b.pool, logger: silentLogger, leaseDivisor: 100 });
    let allowed = 0;
    for (let round = 0; round < 105; round++) {
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? one : two).consume(rule, now)),
      );
      allowed += decisions.filter((d) => d.allowed).length;
    }
    // 21,000 asked for 20,000: never more, and no more than the two instances' leases (2 × 200) fewer.
    expect(allowed).toBeLessThanOrEqual(20_000);
    expect(allowed).toBeGreaterThanOrEqual(20_000 - 400);
    // Leases of 200: instance one decided its 10,500 requests in far fewer round trips than requests.
    expect(countedA.consumes()).toBeLessThan(200);

    await one.close?.();
    await two.close?.();
    // With every lease given back, the shared row holds exactly what was let through.
    const fresh = createPostgresRateLimiter({ pool: b.pool, logger: silentLogger, leaseDivisor: 1_000_000 });
    const probe = await fresh.consume(rule, now);
    expect(probe.allowed).toBe(allowed < 20_000);
    expect(probe.remaining).toBe(Math.max(0, 20_000 - allowed - 1));
  });

  it('decides every request in Postgres when the limit is too small for a lease', async () => {
    const now = Date.UTC(2026, 5, 2);
    const rule = { key: 'query:c:small', limit: 60, periodMs: 60_000 };
    const counted = countingPool(a.pool);
    const limiter = createPostgresRateLimiter({ pool: counted.pool, logger: silentLogger });
    const decisions = [];
    for (let i = 0; i < 70; i++) decisions.push(await limiter.consume(rule, now));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    expect(decisions[59]?.remaining).toBe(0);
    expect(counted.consumes()).toBe(70);
  });

  it('an expired lease is not spent: the next request claims afresh and the old tokens go back', async () => {
    let now = Date.UTC(2026, 5, 3);
    const rule = { key: 'query:c:expiry', limit: 10_000, periodMs: 60_000 };
    const counted = countingPool(a.pool);
    const limiter = createPostgresRateLimiter({
      pool: counted.pool,
      logger: silentLogger,
      leaseDivisor: 100,
      leaseMs: 50,
    });
    const first = await limiter.consume(rule, now);
    expect(first.allowed).toBe(true);
    expect(first.remaining).toBe(9_999);
    expect((await limiter.consume(rule, now)).remaining).toBe(9_998);
    expect(counted.consumes()).toBe(1);
    now += 100;
    await limiter.consume(rule, now);
    expect(counted.consumes()).toBe(2);
    await limiter.close?.();
    const fresh = createPostgresRateLimiter({ pool: b.pool, logger: silentLogger, leaseDivisor: 1_000_000 });
    // 3 spent, both leases' 198 unspent tokens given back: without the give-back about 180 would be missing.
    // (Tokens are booked at claim time, so below the limit a given-back lease can leave the key up to its
    // refill ahead of exact GCRA: at most one lease, a thousandth of the limit.)
    const probe = await fresh.consume(rule, now);
    expect(probe.remaining).toBeGreaterThanOrEqual(10_000 - 3 - 1);
  });
});
