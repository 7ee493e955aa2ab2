import { LRUCache } from 'lru-cache';
import type { Clock } from '../util/clock.js';
import type { Permission } from './permissions.js';

/** The outcome of one full verification (bcrypt or JWT + database), reused until `validUntil`. */
export interface Verified {
  clientId: string;
  /** The key this credential is (or was derived from); `env` for ADMIN_API_KEY. */
  keyId: string;
  permissions: readonly Permission[];
  /** Epoch ms: the earliest of the key's expiry, the end of a rotation grace period, a token's `exp`. */
  validUntil: number;
}

export interface VerifiedKeyCacheOptions {
  max: number;
  ttlMs: number;
  clock: Clock;
}

/**
 * Keeps bcrypt off the hot path: verified credentials keyed by the SHA-256 of what was presented (never the
 * credential itself). Bounded and short-lived; revocations drop a client's entries at once (pushed over
 * LISTEN/NOTIFY), the TTL is only the fallback if a notification is lost.
 */
export class VerifiedKeyCache {
  private readonly lru: LRUCache<string, Verified>;
  /** Moves on every drop: a verification that started before a drop must not store its (stale) result. */
  epoch = 0;

  constructor(private readonly options: VerifiedKeyCacheOptions) {
    this.lru = new LRUCache<string, Verified>({ max: options.max, ttl: options.ttlMs, ttlAutopurge: false });
  }

  get(hash: string): Verified | undefined {
    const hit = this.lru.get(hash);
    if (!hit) return undefined;
    if (hit.validUntil <= this.options.clock.now()) {
      this.lru.delete(hash);
      return undefined;
    }
    return hit;
  }

  set(hash: string, verified: Verified, startedAtEpoch: number): void {
    if (startedAtEpoch !== this.epoch) return;
    const remaining = verified.validUntil - this.options.clock.now();
    if (remaining <= 0) return;
    this.lru.set(hash, verified, { ttl: Math.min(this.options.ttlMs, remaining) });
  }

  /** Drops every entry of one client (revocation, rotation, suspension). */
  dropClient(clientId: string): void {
    this.epoch += 1;
    for (const [hash, v] of this.lru.entries()) if (v.clientId === clientId) this.lru.delete(hash);
  }

  clear(): void {
    this.epoch += 1;
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}
