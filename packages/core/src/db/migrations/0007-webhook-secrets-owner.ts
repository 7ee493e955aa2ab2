import type { Kysely } from 'kysely';

// Frozen. Webhook signing secrets live in `webhook_secrets` (encrypted, rotatable with a grace period);
// the column the first clients migration created is no longer read or written.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('webhook_secret').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('webhook_secret', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}
