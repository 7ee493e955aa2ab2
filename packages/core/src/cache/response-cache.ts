import { LRUCache } from 'lru-cache';
import type { Db } from '../db/create-db.js';
import type { Notifier } from '../events/notifier.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface CachedResponse {
  id: string;
  content: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  model: string;
  timestamp: string;
}

export interface CacheHit {
  value: CachedResponse;
  expiresAt: number;
}

export interface ResponseCacheOptions {
  ttlMs: number;
  /** Bytes the in-process tier may hold (JSON length as the measure). */
  maxBytes: number;
  clock: Clock;
  logger: Logger;
}

const INVALIDATE = 'cache_invalidate';
const ALL = '*';

/**
 * Two tiers: a byte-bounded LRU in process over a Postgres table shared by every instance.
 * Invalidation deletes rows, then tells every instance (LISTEN/NOTIFY) to drop its LRU.
 */
export class ResponseCache {
  readonly ttlMs: number;
  private readonly l1: LRUCache<string, CacheHit>;
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly notifier: Notifier,
    private readonly options: ResponseCacheOptions,
  ) {
    this.ttlMs = options.ttlMs;
    this.l1 = new LRUCache<string, CacheHit>({
      maxSize: Math.max(1024, options.maxBytes),
      sizeCalculation: (hit) => hit.value.content.length * 2 + 256,
    });
  }

  /** Subscribes to invalidations from other instances; resolves once they are heard. */
  async start(): Promise<void> {
    this.notifier.onReconnect(() => this.l1.clear());
    await this.notifier.subscribe(INVALIDATE, (payload) => {
      if (payload === ALL) this.l1.clear();
      else this.l1.delete(payload);
    });
  }

  async get(key: string): Promise<CacheHit | undefined> {
    const now = this.options.clock.now();
    const local = this.l1.get(key);
    if (local) {
      if (local.expiresAt > now) return local;
      this.l1.delete(key);
    }
    let row: { response: unknown; expires_at: Date } | undefined;
    try {
      row = await this.db.db
        .selectFrom('cache_entries')
        .select(['response', 'expires_at'])
        .where('key', '=', key)
        .where('expires_at', '>', new Date(now))
        .executeTakeFirst();
    } catch (err) {
      // The cache only saves upstream calls: a lookup that fails is a miss, not the request's failure.
      this.options.logger.warn({ err }, 'cache lookup failed; treated as a miss');
      return undefined;
    }
    if (!row) return undefined;
    const hit: CacheHit = { value: row.response as CachedResponse, expiresAt: row.expires_at.getTime() };
    this.l1.set(key, hit);
    return hit;
  }

  async set(key: string, value: CachedResponse): Promise<CacheHit> {
    const now = this.options.clock.now();
    const hit: CacheHit = { value, expiresAt: now + this.ttlMs };
    this.l1.set(key, hit);
    const row = {
      key,
      response: JSON.stringify(value),
      created_at: new Date(now),
      expires_at: new Date(hit.expiresAt),
    };
    try {
      await this.db.db
        .insertInto('cache_entries')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ response: row.response, created_at: row.created_at, expires_at: row.expires_at }),
        )
        .execute();
    } catch (err) {
      // The answer is already paid for and in hand: a failed write costs only the shared copy.
      this.options.logger.warn({ err }, 'cache write failed; the answer stays in this instance only');
    }
    return hit;
  }

  /** C3: forced invalidation of one key, or of everything, on every instance. Returns rows removed. */
  async invalidate(key?: string): Promise<number> {
    const query = this.db.db.deleteFrom('cache_entries');
    const result = await (key ? query.where('key', '=', key) : query).executeTakeFirst();
    if (key) this.l1.delete(key);
    else this.l1.clear();
    await this.notifier.publish(INVALIDATE, key ?? ALL);
    return Number(result.numDeletedRows);
  }

  /** Removes expired rows; run by a scheduled job. */
  async purgeExpired(): Promise<number> {
    const result = await this.db.db
      .deleteFrom('cache_entries')
      .where('expires_at', '<=', new Date(this.options.clock.now()))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Identical requests in flight at once share one upstream call. */
  singleFlight<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const promise = work().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** Whether the in-process tier holds `key` (or any entry, without a key). */
  hasLocal(key?: string): boolean {
    return key === undefined ? this.l1.size > 0 : this.l1.has(key);
  }

  get localEntries(): number {
    return this.l1.size;
  }
}
