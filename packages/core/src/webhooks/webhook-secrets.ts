import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { newId } from '../util/ids.js';
import type { SecretBox } from './secret-box.js';
import { generateWebhookSecret } from './signature.js';

export interface RotatedSecret {
  /** The new secret, shown once. */
  webhookSecret: string;
  /** Until when the previous secret still verifies (null: there was none). */
  previousSecretExpiresAt: Date | null;
}

/**
 * Makes a new current secret for the client. The previous current one (if any) stays valid for `graceSeconds`
 * (0 retires it now). Runs on `executor`, so a caller may include it in its own transaction.
 */
export async function rotateSecret(
  executor: Kysely<Database>,
  box: SecretBox,
  clientId: string,
  graceSeconds: number,
): Promise<RotatedSecret> {
  const secret = generateWebhookSecret();
  const run = async (trx: Kysely<Database>) => {
    const retired = await trx
      .updateTable('webhook_secrets')
      .set({ retired_at: sql<Date>`now() + make_interval(secs => ${graceSeconds})` })
      .where('client_id', '=', clientId)
      .where('retired_at', 'is', null)
      .returning('retired_at')
      .executeTakeFirst();
    await trx
      .insertInto('webhook_secrets')
      .values({ id: newId('whs'), client_id: clientId, secret: box.seal(secret), retired_at: null })
      .execute();
    return { webhookSecret: secret, previousSecretExpiresAt: retired?.retired_at ?? null };
  };
  return executor.isTransaction ? run(executor) : executor.transaction().execute(run);
}

/**
 * The secrets a message is signed with right now: the current one first, then any still in their grace period.
 * A client without a secret gets one here (the anonymous principal of an open deployment, or a client
 * registered before webhooks existed); it can learn it only by rotating.
 */
export async function signingSecrets(db: Kysely<Database>, box: SecretBox, clientId: string): Promise<string[]> {
  const read = () =>
    db
      .selectFrom('webhook_secrets')
      .select(['secret', 'retired_at'])
      .where('client_id', '=', clientId)
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', sql<Date>`now()`)]))
      .orderBy(sql`retired_at IS NULL`, 'desc')
      .orderBy('created_at', 'desc')
      .execute();
  let rows = await read();
  if (!rows.some((r) => r.retired_at === null)) {
    await db
      .insertInto('webhook_secrets')
      .values({ id: newId('whs'), client_id: clientId, secret: box.seal(generateWebhookSecret()), retired_at: null })
      .onConflict((oc) => oc.column('client_id').where('retired_at', 'is', null).doNothing())
      .execute();
    rows = await read();
  }
  return rows.map((r) => box.open(r.secret));
}
