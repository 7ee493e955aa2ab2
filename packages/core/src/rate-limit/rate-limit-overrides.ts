import { z } from 'zod';
import { LIMITS } from '../query/query.schema.js';

/** Request types with a limit of their own (S1 "per request type"). */
export const RATE_LIMIT_TYPES = ['query', 'queue', 'read'] as const;
export type RateLimitType = (typeof RATE_LIMIT_TYPES)[number];

const perMinute = z.number().int().min(1).max(1_000_000);

/**
 * One client's overrides: requests per minute by type and a cap on `maxTokens`. Omitted or null: the
 * deployment default. Kept in `rate_limit_overrides` until the clients table carries them.
 */
export const clientLimitsSchema = z.strictObject({
  query: perMinute.nullable().optional(),
  queue: perMinute.nullable().optional(),
  read: perMinute.nullable().optional(),
  maxTokens: z.number().int().min(1).max(LIMITS.maxTokens).nullable().optional(),
});
export type ClientLimitsInput = z.infer<typeof clientLimitsSchema>;

export interface ClientLimits {
  query?: number;
  queue?: number;
  read?: number;
  maxTokens?: number;
}

export interface StoredClientLimits {
  clientId: string;
  limits: ClientLimits;
  updatedAt: Date;
}

/** Drops the nulls: what is stored is only what differs from the defaults. */
export function normalizeClientLimits(input: ClientLimitsInput): ClientLimits {
  const out: ClientLimits = {};
  for (const key of ['query', 'queue', 'read', 'maxTokens'] as const) {
    const value = input[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/** The port the limiter reads overrides through. Today a table of its own; later a column of `clients`. */
export interface RateLimitOverrides {
  get(clientId: string): Promise<ClientLimits | undefined>;
  read(clientId: string): Promise<StoredClientLimits | undefined>;
  set(clientId: string, limits: ClientLimits): Promise<StoredClientLimits>;
  delete(clientId: string): Promise<boolean>;
  /** Subscribes to changes made by other instances. */
  start(): Promise<void>;
}

/** For unit tests and single-process tools. */
export function createMemoryRateLimitOverrides(clock: { now(): number }): RateLimitOverrides {
  const rows = new Map<string, StoredClientLimits>();
  return {
    get: async (clientId) => rows.get(clientId)?.limits,
    read: async (clientId) => rows.get(clientId),
    set: async (clientId, limits) => {
      const row = { clientId, limits, updatedAt: new Date(clock.now()) };
      rows.set(clientId, row);
      return row;
    },
    delete: async (clientId) => rows.delete(clientId),
    start: async () => {},
  };
}
