import type { AnomalyRule } from './anomaly-watch.js';

export interface AuthConfig {
  /** Benchmarking only: every caller is an anonymous client with every permission. Unsafe. */
  disabled: boolean;
  /** The bootstrap administrator key from config (ADMIN_API_KEY). */
  adminApiKey: string | undefined;
  /** HS256 secret; when absent and `persistJwtSecret` is set, one is generated and kept in `settings`. */
  jwtSecret: string | undefined;
  persistJwtSecret: boolean;
  bcryptCost: number;
  /** Verified-credential cache: entries and lifetime (the fallback when a revocation notice is lost). */
  cacheMax: number;
  cacheTtlMs: number;
  /** Longest token lifetime POST /api/auth/token grants. */
  tokenMaxTtlMs: number;
  /** Failed authentications per IP per minute before 429; 0 turns the limiter off. */
  failedAuthPerMinute: number;
  anomaly: AnomalyRule;
  /** Longest grace period a rotation may leave the old key working. */
  maxRotationGraceMs: number;
}

export const DEFAULT_AUTH_CONFIG: AuthConfig = {
  disabled: false,
  adminApiKey: undefined,
  jwtSecret: undefined,
  persistJwtSecret: false,
  bcryptCost: 10,
  cacheMax: 10_000,
  cacheTtlMs: 30_000,
  tokenMaxTtlMs: 7 * 24 * 3600 * 1000,
  failedAuthPerMinute: 30,
  anomaly: { windowMs: 60_000, maxFailures: 50, maxRequests: 0 },
  maxRotationGraceMs: 7 * 24 * 3600 * 1000,
};
