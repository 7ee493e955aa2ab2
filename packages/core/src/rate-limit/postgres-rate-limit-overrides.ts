import { LRUCache } from 'lru-cache';
import type { Db } from '../db/create-db.js';
import type { Notifier } from '../events/notifier.js';
import type { Clock } from '../util/clock.js';
import {
  type ClientLimits,
  clientLimitsSchema,
  normalizeClientLimits,
  type RateLimitOverrides,
  type StoredClientLimits,
} from './rate-limit-overrides.js';

const CHANGED = 'rate_limit_overrides';
const ALL = '*';
/** A cached "no overrides" is kept too, so a client without any costs no query per request. */
const NONE: ClientLimits = Object.freeze({});

/**
 * Overrides in Postgres with a bounded in-process cache. A change is published over LISTEN/NOTIFY so
 * every instance drops its copy at once; the TTL bounds staleness if a notification is ever lost.
 */
export function createPostgresRateLimitOverrides(options: {
  db: Db;
  notifier: Notifier;
  clock: Clock;
  maxClients?: number;
  ttlMs?: number;
}): RateLimitOverrides {
  const { db } = options.db;
  const cache = new LRUCache<string, ClientLimits>({ max: options.maxClients ?? 50_000, ttl: options.ttlMs ?? 60_000 });

  const toStored = (row: { client_id: string; limits: unknown; updated_at: Date }): StoredClientLimits => {
    const parsed = clientLimitsSchema.safeParse(row.limits);
    return {
      clientId: row.client_id,
      limits: parsed.success ? normalizeClientLimits(parsed.data) : {},
      updatedAt: row.updated_at,
    };
  };

  const read = async (clientId: string) => {
    const row = await db
      .selectFrom('rate_limit_overrides')
      .select(['client_id', 'limits', 'updated_at'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row ? toStored(row) : undefined;
  };

  const changed = async (clientId: string) => {
    cache.delete(clientId);
    await options.notifier.publish(CHANGED, clientId);
  };

  return {
    async get(clientId) {
      const hit = cache.get(clientId);
      if (hit) return hit === NONE ? undefined : hit;
      const stored = await read(clientId);
      cache.set(clientId, stored?.limits ?? NONE);
      return stored?.limits;
    },
    read,
    async set(clientId, limits) {
      const row = await db
        .insertInto('rate_limit_overrides')
        .values({ client_id: clientId, limits: JSON.stringify(limits), updated_at: new Date(options.clock.now()) })
        .onConflict((oc) =>
          oc.column('client_id').doUpdateSet((eb) => ({
            limits: eb.ref('excluded.limits'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning(['client_id', 'limits', 'updated_at'])
        .executeTakeFirstOrThrow();
      await changed(clientId);
      return toStored(row);
    },
    async delete(clientId) {
      const result = await db.deleteFrom('rate_limit_overrides').where('client_id', '=', clientId).executeTakeFirst();
      await changed(clientId);
      return Number(result.numDeletedRows) > 0;
    },
    async start() {
      options.notifier.onReconnect(() => cache.clear());
      await options.notifier.subscribe(CHANGED, (payload) => {
        if (payload === ALL) cache.clear();
        else cache.delete(payload);
      });
    },
  };
}
