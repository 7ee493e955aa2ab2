import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

const KEY = 'jwt_secret';

/**
 * The zero-config run's JWT secret: generated once and kept in `settings`, so tokens survive restarts and
 * every instance on the database signs with the same secret. Safe when several instances start at once.
 */
export async function loadJwtSecret(db: Kysely<Database>): Promise<string> {
  await db
    .insertInto('settings')
    .values({ key: KEY, value: randomBytes(48).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
  return row.value;
}
