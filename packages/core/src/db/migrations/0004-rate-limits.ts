import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<unknown>): Promise<void> {
  // UNLOGGED: limiter state is hot (one update per request) and worth no WAL; after a crash Postgres empties
  // it, which only forgives the debts of the last minute. fillfactor leaves room for HOT updates in place.
  await sql`CREATE UNLOGGED TABLE rate_limit_state (
    key text PRIMARY KEY,
    tat bigint NOT NULL,
    granted integer NOT NULL,
    limit_count integer NOT NULL,
    interval_us bigint NOT NULL
  ) WITH (fillfactor = 50)`.execute(db);

  await db.schema
    .createTable('rate_limit_overrides')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('limits', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_overrides').execute();
  await db.schema.dropTable('rate_limit_state').execute();
}
