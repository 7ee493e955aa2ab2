import type { Kysely, Selectable, Updateable } from 'kysely';
import type { ClientKeysTable, ClientsTable, Database } from '../db/schema.js';
import type { Permission } from './permissions.js';

export interface ClientRow {
  id: string;
  name: string;
  description: string | null;
  permissions: Permission[];
  createdAt: Date;
  revokedAt: Date | null;
  suspendedAt: Date | null;
  suspendedReason: string | null;
}

export interface KeyRow {
  id: string;
  clientId: string;
  prefix: string;
  keyHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

type Db = Kysely<Database>;

const toClient = (r: Selectable<ClientsTable>): ClientRow => ({
  id: r.id,
  name: r.name,
  description: r.description,
  permissions: r.permissions as Permission[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  suspendedAt: r.suspended_at,
  suspendedReason: r.suspended_reason,
});

const toKey = (r: Selectable<ClientKeysTable>): KeyRow => ({
  id: r.id,
  clientId: r.client_id,
  prefix: r.prefix,
  keyHash: r.key_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** Call inside a transaction: the client and its first key appear together. */
export async function insertClient(db: Db, client: ClientRow, key: KeyRow): Promise<void> {
  await db
    .insertInto('clients')
    .values({
      id: client.id,
      name: client.name,
      description: client.description,
      permissions: client.permissions,
      created_at: client.createdAt,
    })
    .execute();
  await insertKey(db, key);
}

export async function insertKey(db: Db, key: KeyRow): Promise<void> {
  await db
    .insertInto('client_keys')
    .values({
      id: key.id,
      client_id: key.clientId,
      prefix: key.prefix,
      key_hash: key.keyHash,
      created_at: key.createdAt,
      expires_at: key.expiresAt,
      revoked_at: key.revokedAt,
    })
    .execute();
}

export async function findClient(db: Db, clientId: string): Promise<ClientRow | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  return row ? toClient(row) : undefined;
}

export async function findKey(db: Db, keyId: string): Promise<KeyRow | undefined> {
  const row = await db.selectFrom('client_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
  return row ? toKey(row) : undefined;
}

/** Keys sharing a visible prefix (almost always zero or one). Bounded: a prefix is never a hot spot. */
export async function findKeysByPrefix(db: Db, prefix: string): Promise<KeyRow[]> {
  const rows = await db.selectFrom('client_keys').selectAll().where('prefix', '=', prefix).limit(16).execute();
  return rows.map(toKey);
}

export interface ClientWithKey {
  client: ClientRow;
  /** The client's newest key. */
  key: KeyRow | undefined;
}

export async function listClients(db: Db): Promise<ClientWithKey[]> {
  const clients = await db.selectFrom('clients').selectAll().orderBy('created_at', 'asc').orderBy('id').execute();
  const keys = await db
    .selectFrom('client_keys')
    .selectAll()
    .distinctOn('client_id')
    .orderBy('client_id')
    .orderBy('created_at', 'desc')
    .execute();
  const byClient = new Map(keys.map((k) => [k.client_id, toKey(k)]));
  return clients.map((c) => ({ client: toClient(c), key: byClient.get(c.id) }));
}

export async function newestKey(db: Db, clientId: string): Promise<KeyRow | undefined> {
  const row = await db
    .selectFrom('client_keys')
    .selectAll()
    .where('client_id', '=', clientId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toKey(row) : undefined;
}

/** Makes every key of the client that is still valid after `at` stop working at `at`. */
export async function revokeKeys(db: Db, clientId: string, at: Date): Promise<void> {
  await db
    .updateTable('client_keys')
    .set({ revoked_at: at })
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', at)]))
    .execute();
}

export async function updateClient(
  db: Db,
  clientId: string,
  set: Pick<Updateable<ClientsTable>, 'revoked_at' | 'suspended_at' | 'suspended_reason'>,
): Promise<boolean> {
  const result = await db.updateTable('clients').set(set).where('id', '=', clientId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
