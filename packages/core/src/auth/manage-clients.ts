import { hash as bcryptHash } from '@node-rs/bcrypt';
import { type Kysely, sql } from 'kysely';
import type { Db } from '../db/create-db.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { generateApiKey } from './api-key.js';
import type { RegisterInput, RotateInput } from './auth.schema.js';
import type { AuthConfig } from './auth-config.js';
import type { AuthCore, WebhookSecretPort } from './auth-service.js';
import * as repo from './clients-repository.js';
import { addDuration, parseIsoDuration, parseLifetime } from './duration.js';
import type { Permission } from './permissions.js';

export interface ManageDeps {
  db: Db;
  clock: Clock;
  config: AuthConfig;
  core: AuthCore;
  webhookSecrets?: WebhookSecretPort;
}

export type ClientStatus = 'active' | 'revoked' | 'expired' | 'suspended';

const SHOWN_ONCE = 'Store this API key now: it will not be shown again.';
const BOOTSTRAP_SETTING = 'bootstrap_admin_client';
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function statusOf(client: repo.ClientRow, key: repo.KeyRow | undefined, now: number): ClientStatus {
  if (client.revokedAt) return 'revoked';
  if (client.suspendedAt) return 'suspended';
  if (!key || (key.expiresAt && key.expiresAt.getTime() <= now)) return 'expired';
  return 'active';
}

/** Admin clients that can authenticate now: not revoked or suspended, with a live key (`except` left out). */
async function usableAdmins(executor: Kysely<Database>, now: Date, except?: string): Promise<number> {
  let query = executor
    .selectFrom('clients as c')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('c.revoked_at', 'is', null)
    .where('c.suspended_at', 'is', null)
    .where(sql<boolean>`'admin' = ANY(c.permissions)`)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('client_keys as k')
          .select('k.id')
          .whereRef('k.client_id', '=', 'c.id')
          .where((k) => k.or([k('k.revoked_at', 'is', null), k('k.revoked_at', '>', now)]))
          .where((k) => k.or([k('k.expires_at', 'is', null), k('k.expires_at', '>', now)])),
      ),
    );
  if (except !== undefined) query = query.where('c.id', '!=', except);
  return Number((await query.executeTakeFirst())?.n ?? 0);
}

/** E8, A7, A8: the administrator's operations on clients. Every change reaches every instance at once. */
export function createClientManager(deps: ManageDeps) {
  const { db, clock, config, core } = deps;

  const newKey = async (clientId: string, now: number, expiresAt: Date | null) => {
    const { apiKey, prefix } = generateApiKey();
    const row: repo.KeyRow = {
      id: newId('key'),
      clientId,
      prefix,
      keyHash: await bcryptHash(apiKey, config.bcryptCost),
      createdAt: new Date(now),
      expiresAt,
      revokedAt: null,
    };
    return { apiKey, row };
  };

  const existing = async (clientId: string) => {
    const client = await repo.findClient(db.db, clientId);
    if (!client) throw new AppError('not_found', `Client ${clientId} not found`);
    return client;
  };

  const create = async (
    input: { name: string; description?: string; permissions: Permission[] },
    expiresAt: Date | null,
  ) => {
    const now = clock.now();
    const client: repo.ClientRow = {
      id: newId('client'),
      name: input.name,
      description: input.description ?? null,
      permissions: [...new Set(input.permissions)],
      createdAt: new Date(now),
      revokedAt: null,
      suspendedAt: null,
      suspendedReason: null,
    };
    const key = await newKey(client.id, now, expiresAt);
    return { client, key };
  };

  return {
    async register(input: RegisterInput) {
      const expiresAt = new Date(addDuration(clock.now(), parseIsoDuration(input.expiresIn ?? 'P1Y')!));
      const { client, key } = await create({ ...input, permissions: input.permissions ?? ['query'] }, expiresAt);
      const webhookSecret = await db.db.transaction().execute(async (trx) => {
        await repo.insertClient(trx, client, key.row);
        return deps.webhookSecrets ? deps.webhookSecrets.create(client.id, trx) : undefined;
      });
      return {
        clientId: client.id,
        apiKey: key.apiKey,
        name: client.name,
        ...(client.description !== null ? { description: client.description } : {}),
        permissions: client.permissions,
        createdAt: client.createdAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
        ...(webhookSecret ? { webhookSecret } : {}),
        message: SHOWN_ONCE,
      };
    },

    /** Never a secret: no key, hash or webhook secret, only the visible prefix. */
    async list() {
      const now = clock.now();
      const rows = await repo.listClients(db.db);
      return {
        clients: rows.map(({ client, key }) => ({
          clientId: client.id,
          name: client.name,
          description: client.description,
          permissions: client.permissions,
          status: statusOf(client, key, now),
          keyPrefix: key?.prefix ?? null,
          createdAt: client.createdAt.toISOString(),
          expiresAt: iso(key?.expiresAt),
          revokedAt: iso(client.revokedAt),
          suspendedAt: iso(client.suspendedAt),
          suspendedReason: client.suspendedReason,
        })),
      };
    },

    /** 404 `not_found` unless the client exists (revoked or not). */
    async assertExists(clientId: string): Promise<void> {
      await existing(clientId);
    },

    async revoke(clientId: string) {
      const client = await existing(clientId);
      const at = client.revokedAt ?? new Date(clock.now());
      // Without ADMIN_API_KEY, the stored admin clients are the only way in: never lock every one out.
      const guardLastAdmin = !client.revokedAt && client.permissions.includes('admin') && !config.adminApiKey;
      await db.db.transaction().execute(async (trx) => {
        if (guardLastAdmin) {
          // One revocation of an admin at a time (per schema), so two admins cannot revoke each other at once.
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`claude-proxy:admin-revoke:${db.schema}`}))`.execute(trx);
          const usable = await usableAdmins(trx, new Date(clock.now()), clientId);
          if (usable === 0) {
            throw new AppError(
              'invalid_request',
              `Client ${clientId} is the last usable administrator and ADMIN_API_KEY is not set: register another admin client (or set ADMIN_API_KEY) before revoking it`,
            );
          }
        }
        await repo.updateClient(trx, clientId, { revoked_at: at });
        await repo.revokeKeys(trx, clientId, at);
      });
      await core.changed(clientId);
      return {
        clientId,
        status: 'revoked' as const,
        revokedAt: at.toISOString(),
        message: 'The client and every token derived from its keys no longer authenticate',
      };
    },

    async rotate(input: RotateInput) {
      const client = await existing(input.clientId);
      if (client.revokedAt) throw new AppError('invalid_request', `Client ${client.id} is revoked; register a new one`);
      const now = clock.now();
      const graceEnds = input.gracePeriod ? addDuration(now, parseLifetime(input.gracePeriod)!) : now;
      if (graceEnds - now > config.maxRotationGraceMs) {
        throw new AppError('invalid_request', 'gracePeriod is longer than this server allows', {
          details: `gracePeriod: at most ${Math.floor(config.maxRotationGraceMs / 1000)} s`,
        });
      }
      const current = await repo.newestKey(db.db, client.id);
      let expiresAt: Date | null;
      if (input.expiresIn) expiresAt = new Date(addDuration(now, parseIsoDuration(input.expiresIn)!));
      else if (current && current.expiresAt === null) expiresAt = null;
      else if (current?.expiresAt && current.expiresAt.getTime() > now) expiresAt = current.expiresAt;
      else expiresAt = new Date(addDuration(now, parseIsoDuration('P1Y')!));
      const key = await newKey(client.id, now, expiresAt);
      await db.db.transaction().execute(async (trx) => {
        await repo.revokeKeys(trx, client.id, new Date(graceEnds));
        await repo.insertKey(trx, key.row);
      });
      await core.changed(client.id);
      return {
        clientId: client.id,
        apiKey: key.apiKey,
        keyPrefix: key.row.prefix,
        expiresAt: iso(expiresAt),
        previousKeyValidUntil: new Date(graceEnds).toISOString(),
        message: SHOWN_ONCE,
      };
    },

    /** A8: lifts a suspension set by the anomaly watch. */
    async unsuspend(clientId: string) {
      const client = await existing(clientId);
      await repo.updateClient(db.db, clientId, { suspended_at: null, suspended_reason: null });
      await core.changed(clientId);
      return {
        clientId,
        status: statusOf({ ...client, suspendedAt: null }, await repo.newestKey(db.db, clientId), clock.now()),
        message: 'The suspension is lifted',
      };
    },

    async rotateWebhookSecret(clientId: string) {
      await existing(clientId);
      if (!deps.webhookSecrets) throw new AppError('not_found', 'Webhook secrets are not available');
      const webhookSecret = await deps.webhookSecrets.rotate(clientId);
      return { clientId, webhookSecret, message: 'Store this webhook secret now: it will not be shown again.' };
    },

    /**
     * Zero-config: the first start without ADMIN_API_KEY creates an administrator whose key never expires and
     * returns it once; later starts (and concurrent ones) find it and return no key.
     */
    async bootstrapAdmin(): Promise<
      { created: true; clientId: string; apiKey: string; recovered?: boolean } | { created: false; clientId: string }
    > {
      return db.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`claude-proxy bootstrap admin ${db.schema}`}))`.execute(trx);
        const found = await trx
          .selectFrom('settings')
          .select('value')
          .where('key', '=', BOOTSTRAP_SETTING)
          .executeTakeFirst();
        // A start that finds no usable administrator (every admin revoked, suspended or expired) makes a new
        // one: whoever can restart the server can always get back in.
        if (found && (await usableAdmins(trx, new Date(clock.now()))) > 0) {
          return { created: false as const, clientId: found.value };
        }
        const { client, key } = await create({ name: 'Administrator (bootstrap)', permissions: ['admin'] }, null);
        await repo.insertClient(trx, client, key.row);
        await trx
          .insertInto('settings')
          .values({ key: BOOTSTRAP_SETTING, value: client.id })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: client.id }))
          .execute();
        return {
          created: true as const,
          clientId: client.id,
          apiKey: key.apiKey,
          ...(found ? { recovered: true } : {}),
        };
      });
    },
  };
}

export type ClientManager = ReturnType<typeof createClientManager>;
