import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDb, migrateToLatest } from '../src/db/create-db.js';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('migrations while other schemas of the database come and go (real Postgres)', () => {
  it('apply every time: a schema dropped by someone else during the table lookup does not fail them', async () => {
    const churn = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await churn.connect();
    const prefix = `churn_${randomBytes(4).toString('hex')}`;
    let stop = false;
    // Another tenant of the database (a test run, an operator) creating and dropping schemas all along.
    const churning = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `${prefix}_${i % 4}`;
        await churn.query(`CREATE SCHEMA IF NOT EXISTS "${name}"; CREATE TABLE IF NOT EXISTS "${name}".t (id int)`);
        await churn.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      }
    })();
    const schemas: string[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const schema = `mig_${randomBytes(4).toString('hex')}`;
        schemas.push(schema);
        const db = createDb({ connectionString: TEST_DATABASE_URL, schema, max: 1 });
        try {
          const applied = await migrateToLatest(db);
          expect(applied.length).toBeGreaterThan(0);
          expect(await migrateToLatest(db)).toEqual([]);
        } finally {
          await db.close();
        }
      }
    } finally {
      stop = true;
      await churning;
      for (const schema of schemas) await churn.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      for (let i = 0; i < 4; i++) await churn.query(`DROP SCHEMA IF EXISTS "${prefix}_${i}" CASCADE`);
      await churn.end();
    }
  }, 120_000);
});

describe('Db.lastSuccessAt (health: lastSuccessfulConnection)', () => {
  it('moves on a statement that succeeded, not on one that failed', async () => {
    const db = createDb({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      expect(db.lastSuccessAt()).toBeNull();
      await sql`SELECT 1`.execute(db.db);
      const ok = db.lastSuccessAt();
      expect(ok).toBeGreaterThan(Date.now() - 5_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(sql`SELECT 1 / 0`.execute(db.db)).rejects.toThrow(/division by zero/);
      expect(db.lastSuccessAt()).toBe(ok);
    } finally {
      await db.close();
    }
  });
});
