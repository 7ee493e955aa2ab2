import type PgBoss from 'pg-boss';
import { type AuthConfig, DEFAULT_AUTH_CONFIG } from './auth/auth-config.js';
import { type AuthService, createAuth } from './auth/create-auth.js';
import { ResponseCache } from './cache/response-cache.js';
import type { ClaudeUpstream } from './claude/upstream.js';
import { DEFAULT_RETRY_POLICY, type RetryDeps, type RetryPolicy } from './claude/with-retries.js';
import type { Db } from './db/create-db.js';
import type { Notifier } from './events/notifier.js';
import { createHealthChecker, type HealthReport } from './health/check-health.js';
import type { QueryInput } from './query/query.schema.js';
import { type QueryCaller, type QueryResult, runQuery } from './query/run-query.js';
import { createPostgresRateLimitOverrides } from './rate-limit/postgres-rate-limit-overrides.js';
import { createPostgresRateLimiter } from './rate-limit/postgres-rate-limiter.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';
import {
  createRateLimits,
  DEFAULT_RATE_LIMIT_CONFIG,
  type RateLimitConfig,
  type RateLimits,
} from './rate-limit/rate-limits.js';
import { DEFAULT_TASK_CONFIG, type TaskConfig } from './tasks/task-deps.js';
import type { TaskHooks } from './tasks/task-hooks.js';
import { createTaskService, type TaskService } from './tasks/task-service.js';
import { type Clock, systemClock } from './util/clock.js';
import { newId } from './util/ids.js';
import type { Logger } from './util/logger.js';

export interface ServicesConfig {
  modelAliases: Readonly<Record<string, string>>;
  cacheTtlMs: number;
  cacheMaxBytes: number;
  sharedCache: boolean;
  retryPolicy: RetryPolicy;
  version: string;
  healthCheckIntervalMs: number;
  healthTimeoutMs: number;
  tasks: TaskConfig;
  rateLimit: RateLimitConfig;
  auth: AuthConfig;
}

export const DEFAULT_SERVICES_CONFIG: Omit<ServicesConfig, 'modelAliases'> = {
  cacheTtlMs: 24 * 3600 * 1000,
  cacheMaxBytes: 64 * 1024 * 1024,
  sharedCache: false,
  retryPolicy: DEFAULT_RETRY_POLICY,
  version: '0.1.0',
  healthCheckIntervalMs: 30_000,
  healthTimeoutMs: 2_000,
  tasks: DEFAULT_TASK_CONFIG,
  rateLimit: DEFAULT_RATE_LIMIT_CONFIG,
  auth: DEFAULT_AUTH_CONFIG,
};

const CACHE_PURGE_INTERVAL_MS = 10 * 60 * 1000;

export interface ServicesDeps {
  db: Db;
  notifier: Notifier;
  upstream: ClaudeUpstream;
  logger: Logger;
  config: ServicesConfig;
  clock?: Clock;
  retryDeps?: RetryDeps;
  /** The started pg-boss instance (tasks); without it the task operations answer 503. */
  boss?: PgBoss;
  taskHooks?: TaskHooks;
  /** Default: the shared Postgres limiter on `db`. */
  rateLimiter?: RateLimiter;
}

export interface Services {
  readonly db: Db;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly config: ServicesConfig;
  readonly upstream: ClaudeUpstream;
  readonly cache: ResponseCache;
  readonly rateLimits: RateLimits;
  readonly auth: AuthService;
  readonly startedAt: number;
  query(input: QueryInput, caller: QueryCaller): Promise<QueryResult>;
  health(): Promise<HealthReport>;
  readonly tasks: TaskService;
  /** Starts background subscriptions and housekeeping; resolves when the services are ready to serve. */
  start(): Promise<void>;
  /** Stops housekeeping timers. */
  stop(): Promise<void>;
}

/** The composition root of the domain: every dependency is passed in, nothing is a module singleton. */
export function createServices(deps: ServicesDeps): Services {
  const clock = deps.clock ?? systemClock;
  const cache = new ResponseCache(deps.db, deps.notifier, {
    ttlMs: deps.config.cacheTtlMs,
    maxBytes: deps.config.cacheMaxBytes,
    clock,
    logger: deps.logger,
  });
  const queryDeps = {
    upstream: deps.upstream,
    cache,
    modelAliases: deps.config.modelAliases,
    retryPolicy: deps.config.retryPolicy,
    clock,
    sharedCache: deps.config.sharedCache,
    ...(deps.retryDeps ? { retryDeps: deps.retryDeps } : {}),
  };
  const tasks = createTaskService({
    db: deps.db.db,
    boss: deps.boss,
    notifier: deps.notifier,
    query: queryDeps,
    config: deps.config.tasks,
    ...(deps.taskHooks ? { hooks: deps.taskHooks } : {}),
    clock,
    newId,
    logger: deps.logger,
  });
  const rateLimits = createRateLimits({
    limiter: deps.rateLimiter ?? createPostgresRateLimiter({ pool: deps.db.pool, logger: deps.logger }),
    overrides: createPostgresRateLimitOverrides({ db: deps.db, notifier: deps.notifier, clock }),
    config: deps.config.rateLimit,
    clock,
  });
  const auth = createAuth({
    db: deps.db,
    notifier: deps.notifier,
    clock,
    logger: deps.logger,
    config: deps.config.auth,
    // Failed authentication counts per IP in the shared store, so every instance sees the same total.
    limiter: {
      blockedFor: (ip) => rateLimits.failedAuth.blockedFor(ip),
      recordFailure: (ip) => {
        rateLimits.failedAuth.recordFailure(ip).catch((err) => {
          deps.logger.warn({ err: String(err) }, 'failed-auth counter not written');
        });
      },
    },
  });
  const startedAt = clock.now();
  let purgeTimer: NodeJS.Timeout | undefined;
  const health = createHealthChecker({
    db: deps.db,
    upstream: deps.upstream,
    clock,
    version: deps.config.version,
    startedAt,
    upstreamCheckIntervalMs: deps.config.healthCheckIntervalMs,
    timeoutMs: deps.config.healthTimeoutMs,
    ...(deps.boss
      ? { queueStats: async () => tasks.stats().then((s) => ({ size: s.queued, processing: s.processing })) }
      : {}),
  });
  return {
    db: deps.db,
    logger: deps.logger,
    clock,
    config: deps.config,
    upstream: deps.upstream,
    cache,
    rateLimits,
    auth,
    startedAt,
    health,
    query: async (input, caller) => {
      const maxTokensCap = caller.maxTokensCap ?? (await rateLimits.limitsFor(caller.clientId)).maxTokens;
      return runQuery(queryDeps, input, { ...caller, maxTokensCap });
    },
    tasks,
    start: async () => {
      await Promise.all([cache.start(), auth.start(), rateLimits.start()]);
      await tasks.start();
      purgeTimer = setInterval(() => {
        cache.purgeExpired().catch((err) => deps.logger.warn({ err: String(err) }, 'cache purge failed'));
      }, CACHE_PURGE_INTERVAL_MS);
      purgeTimer.unref();
    },
    stop: async () => {
      if (purgeTimer) clearInterval(purgeTimer);
    },
  };
}
