import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('request_history')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('latency_ms', 'real', (c) => c.notNull())
    .addColumn('cache_status', 'text')
    .execute();
  // Usage reads are per client over a time range; retention deletes by age.
  await db.schema
    .createIndex('request_history_client_created_idx')
    .on('request_history')
    .columns(['client_id', 'created_at'])
    .execute();
  await db.schema.createIndex('request_history_created_idx').on('request_history').column('created_at').execute();
  await sql`ALTER TABLE request_history SET (autovacuum_vacuum_scale_factor = 0.05)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('request_history').execute();
}
