import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export interface DbOptions {
  connectionString: string;
  /** Postgres schema for the proxy's tables (search_path). Default `public`. */
  schema?: string;
  /** Pool size. */
  max?: number;
  /** Milliseconds a statement may run before Postgres cancels it. */
  statementTimeoutMs?: number;
}

export interface Db {
  db: Kysely<Database>;
  pool: pg.Pool;
  schema: string;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// timestamptz -> Date (pg default), int8 -> number: counts here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function createDb(options: DbOptions): Db {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pgOptions = [`-c search_path=${schema}`];
  if (options.statementTimeoutMs) pgOptions.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    options: pgOptions.join(' '),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that errors (e.g. the server restarted) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one between two statements (inside a transaction): pg emits the error on the
  // client, and an 'error' event without a listener kills the process. The statement that was running
  // or runs next fails with the error instead, and the pool drops the broken client when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    schema,
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Creates the schema if needed and applies every pending migration. Instances that boot together take turns
 * through a session advisory lock, so two of them never race to create the schema or the migration tables.
 */
export async function migrateToLatest(handle: Db): Promise<string[]> {
  const { db, schema } = handle;
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(hashtext(${`claude-proxy:migrate:${schema}`}))`.execute(conn);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(conn);
      const migrator = new Migrator({
        db: conn,
        provider: { getMigrations: async () => migrations },
        migrationTableSchema: schema,
        // Migrations from parallel branches can land in any order; each is independent of the others' tables.
        allowUnorderedMigrations: true,
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${`claude-proxy:migrate:${schema}`}))`.execute(conn);
    }
  });
}
