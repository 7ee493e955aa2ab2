import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Arrival order: FIFO within a priority, and the tie-breaker of every sort.
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('type', 'text', (c) => c.notNull().defaultTo('claude-query'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')`),
    )
    .addColumn('priority', 'smallint', (c) => c.notNull().check(sql`priority BETWEEN 1 AND 3`))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('callback_url', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_retries', 'integer', (c) => c.notNull().defaultTo(3))
    // Times a worker claimed the task; also the fencing token of the current claim.
    .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('job_id', 'uuid')
    .addColumn('worker_id', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('progress', 'real')
    .addColumn('estimated_completion_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('tasks_client_created_idx').on('tasks').columns(['client_id', 'created_at']).execute();
  // Position in the queue: an index-only count of what starts before a task.
  await db.schema
    .createIndex('tasks_queued_order_idx')
    .on('tasks')
    .columns(['priority', 'seq'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
  await db.schema
    .createIndex('tasks_processing_lease_idx')
    .on('tasks')
    .column('lease_until')
    .where(sql.ref('status'), '=', 'processing')
    .execute();
  await db.schema.createIndex('tasks_completed_at_idx').on('tasks').column('completed_at').execute();

  // Live workers and their slots: the capacity behind the queue's time estimates.
  await db.schema
    .createTable('task_workers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('task_workers').execute();
  await db.schema.dropTable('tasks').execute();
}
