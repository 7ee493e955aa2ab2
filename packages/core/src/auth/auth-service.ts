import type { Db } from '../db/create-db.js';
import { AppError } from '../errors/app-error.js';
import type { Notifier } from '../events/notifier.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { AnomalyWatch } from './anomaly-watch.js';
import { isApiKeyFormat, secretsEqual, sha256Hex } from './api-key.js';
import type { TokenInput } from './auth.schema.js';
import type { AuthConfig } from './auth-config.js';
import { updateClient } from './clients-repository.js';
import { addDuration, parseLifetime } from './duration.js';
import { createMemoryFailedAuthLimiter, type FailedAuthLimiter } from './failed-auth-limiter.js';
import { signToken } from './jwt.js';
import { loadJwtSecret } from './jwt-secret.js';
import { hasPermission, PERMISSIONS, type Permission, type Principal } from './permissions.js';
import { type Verified, VerifiedKeyCache } from './verified-key-cache.js';
import { type Verification, verifyCredential } from './verify-credential.js';

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; code: 'authentication_error' | 'rate_limit_exceeded'; message: string; retryAfter?: number };

export interface AuthCoreDeps {
  db: Db;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  config: AuthConfig;
  limiter?: FailedAuthLimiter;
  /** Where webhook signing secrets live (webhooks/): created at registration, rotated by an admin. */
  webhookSecrets?: WebhookSecretPort;
}

export interface WebhookSecretPort {
  /** A new client's first secret, written in the registration's transaction; returned once. */
  create(clientId: string, trx: Db['db']): Promise<string>;
  /** A new current secret; the previous one keeps verifying for a grace period. */
  rotate(clientId: string): Promise<string>;
}

/** Tells every instance that a client's keys changed (revoked, rotated, suspended, lifted). */
export const AUTH_CHANNEL = 'auth_changed';
const ANONYMOUS: Principal = { clientId: 'anonymous', permissions: PERMISSIONS };

/** Verification with the cache in front of it; the pieces `manage-clients` shares. */
export function createAuthCore(deps: AuthCoreDeps) {
  const { clock, config, logger } = deps;
  const cache = new VerifiedKeyCache({ max: config.cacheMax, ttlMs: config.cacheTtlMs, clock });
  const limiter =
    deps.limiter ?? createMemoryFailedAuthLimiter({ maxFailures: config.failedAuthPerMinute, windowMs: 60_000, clock });
  const anomaly = new AnomalyWatch(config.anomaly, clock);
  const inflight = new Map<string, Promise<Verification>>();
  let jwtSecret: string | undefined = config.jwtSecret;

  const secret = (): string => {
    if (!jwtSecret) throw new Error('auth not started: no JWT secret');
    return jwtSecret;
  };

  /** Local effect of a change, then the same on every other instance. */
  const changed = async (clientId: string): Promise<void> => {
    cache.dropClient(clientId);
    anomaly.reset(clientId);
    await deps.notifier.publish(AUTH_CHANNEL, clientId);
  };

  /** Persists a suspension (every instance then refuses the client); true when the client is now suspended. */
  const suspend = async (clientId: string, reason: string): Promise<boolean> => {
    const now = new Date(clock.now());
    const row = await deps.db.db
      .selectFrom('clients')
      .select(['permissions', 'suspended_at'])
      .where('id', '=', clientId)
      .executeTakeFirst();
    if (!row) return false;
    if (row.suspended_at) return true;
    // An administrator is never locked out automatically: nobody else might be able to lift it.
    if (row.permissions.includes('admin')) {
      logger.warn({ clientId, reason }, 'anomalous activity by an administrator client (not suspended)');
      return false;
    }
    await updateClient(deps.db.db, clientId, { suspended_at: now, suspended_reason: reason });
    logger.warn({ clientId, reason }, 'client suspended by the anomaly watch');
    await changed(clientId);
    return true;
  };

  const noteClientFailure = async (clientId: string): Promise<void> => {
    const verdict = anomaly.recordFailure(clientId);
    if (verdict.tripped) await suspend(clientId, verdict.reason);
  };

  /** The full check, deduplicated per credential and stored unless a change raced with it. */
  const verifyUncached = (hash: string, credential: string): Promise<Verification> => {
    const running = inflight.get(hash);
    if (running) return running;
    const epoch = cache.epoch;
    const work = verifyCredential(
      { db: deps.db.db, now: clock.now(), adminApiKey: config.adminApiKey, jwtSecret: secret() },
      credential,
    )
      .then((result) => {
        if (result.ok) cache.set(hash, result.verified, epoch);
        return result;
      })
      .finally(() => inflight.delete(hash));
    inflight.set(hash, work);
    return work;
  };

  const fail = (message: string): Extract<AuthResult, { ok: false }> => ({
    ok: false,
    code: 'authentication_error',
    message,
  });
  const tooManyFailures = (wait: number): Extract<AuthResult, { ok: false }> => ({
    ok: false,
    code: 'rate_limit_exceeded',
    message: `Too many failed authentication attempts from this address; retry in ${wait} s`,
    retryAfter: wait,
  });
  /**
   * Counted before the caller is answered, so the caller's next attempt already sees it. A limiter that
   * cannot count must not turn a 401 into a 500: the failure is logged and the answer stands.
   */
  const recordFailure = async (ip: string): Promise<number | undefined> => {
    try {
      return await limiter.recordFailure(ip);
    } catch (err) {
      logger.warn({ err: String(err) }, 'failed authentication not counted');
      return undefined;
    }
  };
  const toError = (r: Extract<AuthResult, { ok: false }>) =>
    new AppError(r.code, r.message, r.retryAfter ? { retryAfter: r.retryAfter } : {});

  /** Cached credential, or a full check unless this IP has failed too often. Failures are counted. */
  const verify = async (
    credential: string,
    ip: string,
  ): Promise<{ ok: true; verified: Verified } | Extract<AuthResult, { ok: false }>> => {
    const hash = sha256Hex(credential);
    const hit = cache.get(hash);
    if (hit) return { ok: true, verified: hit };
    const wait = limiter.blockedFor(ip);
    if (wait !== undefined) return tooManyFailures(wait);
    const result = await verifyUncached(hash, credential);
    if (result.ok) return result;
    const over = await recordFailure(ip);
    logger.debug({ ip, reason: result.message, clientId: result.clientId }, 'authentication failed');
    if (result.clientId) await noteClientFailure(result.clientId);
    // Failures on other instances may have used the IP's allowance before this one was counted.
    return over === undefined ? fail(result.message) : tooManyFailures(over);
  };

  /** A3: who is calling. Never throws for bad credentials: the outcome is a value. */
  const authenticate = async (credential: string | undefined, ip: string): Promise<AuthResult> => {
    if (config.disabled) return { ok: true, principal: ANONYMOUS };
    if (!credential) return fail('Missing credentials: send Authorization: Bearer <apiKey or token>');
    const result = await verify(credential, ip);
    if (!result.ok) return result;
    const { clientId, permissions } = result.verified;
    const burst = anomaly.recordRequest(clientId);
    if (burst.tripped && (await suspend(clientId, burst.reason))) {
      return fail(`Client ${clientId} is suspended (${burst.reason}); an administrator must lift the suspension`);
    }
    return { ok: true, principal: { clientId, permissions } };
  };

  /** A6: the principal, or the AppError (401/403/429) the caller gets. */
  const authorize = async (credential: string | undefined, ip: string, permission: Permission): Promise<Principal> => {
    const result = await authenticate(credential, ip);
    if (!result.ok) throw toError(result);
    if (!hasPermission(result.principal, permission)) {
      await noteClientFailure(result.principal.clientId);
      // The caller is known even though refused: the principal rides along (never in the body) for the log line.
      throw new AppError('authorization_error', `This client lacks the '${permission}' permission`, {
        cause: { principal: result.principal },
      });
    }
    return result.principal;
  };

  /** E9: exchanges an API key for an HS256 token, never outliving the key or the configured cap. */
  const issueToken = async (input: TokenInput, ip: string): Promise<IssuedToken> => {
    const isAdminKey = config.adminApiKey !== undefined && secretsEqual(input.apiKey, config.adminApiKey);
    if (!isAdminKey && !isApiKeyFormat(input.apiKey)) {
      const wait = limiter.blockedFor(ip) ?? (await recordFailure(ip));
      if (wait !== undefined) throw toError(tooManyFailures(wait));
      throw new AppError(
        'authentication_error',
        'apiKey is not an API key of this proxy (sk_live_ followed by 32 characters)',
      );
    }
    const result = await verify(input.apiKey, ip);
    if (!result.ok) throw toError(result);
    const now = clock.now();
    const v = result.verified;
    const asked = addDuration(now, parseLifetime(input.expiresIn ?? '1h')!);
    const expiresAt = Math.floor(Math.min(asked, now + config.tokenMaxTtlMs, v.validUntil) / 1000);
    const claims = { clientId: v.clientId, keyId: v.keyId, permissions: [...v.permissions], expiresAt };
    const token = await signToken(secret(), claims, Math.floor(now / 1000));
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString(), tokenType: 'Bearer' };
  };

  const start = async (): Promise<void> => {
    if (!jwtSecret) {
      if (!config.persistJwtSecret) throw new Error('JWT_SECRET is required');
      jwtSecret = await loadJwtSecret(deps.db.db);
    }
    deps.notifier.onReconnect(() => cache.clear());
    await deps.notifier.subscribe(AUTH_CHANNEL, (clientId) => {
      cache.dropClient(clientId);
      anomaly.reset(clientId);
    });
  };

  return { cache, changed, start, authenticate, authorize, issueToken };
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
  tokenType: 'Bearer';
}

export type AuthCore = ReturnType<typeof createAuthCore>;
