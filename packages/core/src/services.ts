import type PgBoss from 'pg-boss';
import { type AuthConfig, DEFAULT_AUTH_CONFIG } from './auth/auth-config.js';
import { type AuthService, createAuth } from './auth/create-auth.js';
import { ResponseCache } from './cache/response-cache.js';
import { instrumentUpstream } from './claude/instrumented-upstream.js';
import type { ClaudeUpstream } from './claude/upstream.js';
import { DEFAULT_RETRY_POLICY, type RetryDeps, type RetryPolicy } from './claude/with-retries.js';
import type { Db } from './db/create-db.js';
import type { Notifier } from './events/notifier.js';
import {
  createHealthChecker,
  type HealthReport,
  type QueueStats,
  type ReadinessReport,
} from './health/check-health.js';
import { readUsage, usageClientFor, usageRange } from './history/read-usage.js';
import { RequestHistory } from './history/request-history.js';
import type { UsageInput, UsageOutput } from './history/usage.schema.js';
import { type Metrics, noopMetrics } from './observability/metrics.js';
import { UpstreamMonitor } from './observability/upstream-monitor.js';
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
import { createTaskObserver } from './tasks/task-observer.js';
import { createTaskService, type TaskService } from './tasks/task-service.js';
import { type Clock, systemClock } from './util/clock.js';
import { newId } from './util/ids.js';
import type { Logger } from './util/logger.js';
import type { ResolveAll } from './webhooks/callback-url.js';
import { taskWebhookHooks } from './webhooks/task-webhook-hooks.js';
import {
  createWebhookService,
  DEFAULT_WEBHOOK_CONFIG,
  type WebhookConfig,
  type WebhookService,
} from './webhooks/webhook-service.js';

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
  /** Request history rows are written (off the request path) when true. */
  historyEnabled: boolean;
  historyRetentionDays: number;
  webhooks: WebhookConfig;
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
  historyEnabled: true,
  historyRetentionDays: 30,
  webhooks: DEFAULT_WEBHOOK_CONFIG,
};

const CACHE_PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** An admin's rotation of a client's webhook secret keeps the previous one valid this long. */
const WEBHOOK_SECRET_GRACE_SECONDS = 24 * 3600;

export interface ServicesDeps {
  db: Db;
  notifier: Notifier;
  upstream: ClaudeUpstream;
  logger: Logger;
  config: ServicesConfig;
  clock?: Clock;
  retryDeps?: RetryDeps;
  /** The started pg-boss instance: task jobs and webhook deliveries. */
  boss: PgBoss;
  taskHooks?: TaskHooks;
  /** Default: the shared Postgres limiter on `db`. */
  rateLimiter?: RateLimiter;
  /** Where core records metrics; default: nowhere. */
  metrics?: Metrics;
  /** Queue size for health (and the metrics gauge); absent: no queue component. */
  queueStats?: () => Promise<QueueStats>;
  /** DNS for webhook deliveries (tests inject one); default the system resolver. */
  webhookResolveAll?: ResolveAll;
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
  readonly webhooks: WebhookService;
  readonly startedAt: number;
  readonly metrics: Metrics;
  /** Request history; `record` is cheap (buffered), call it once per request or finished task. */
  readonly history: RequestHistory;
  readonly upstreamMonitor: UpstreamMonitor;
  query(input: QueryInput, caller: QueryCaller): Promise<QueryResult>;
  health(): Promise<HealthReport>;
  readonly tasks: TaskService;
  /** Readiness: the database answers. */
  ready(): Promise<ReadinessReport>;
  /** A client's usage by day and model; `principal` decides whose usage may be read. */
  usage(input: UsageInput, principal: { clientId: string; permissions: readonly string[] }): Promise<UsageOutput>;
  /** Starts background subscriptions and housekeeping; resolves when the services are ready to serve. */
  start(): Promise<void>;
  /** Stops background work and writes what is buffered; call before closing the database. */
  stop(): Promise<void>;
}

/** The composition root of the domain: every dependency is passed in, nothing is a module singleton. */
export function createServices(deps: ServicesDeps): Services {
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? noopMetrics;
  const upstreamMonitor = new UpstreamMonitor(clock);
  const upstream = instrumentUpstream(deps.upstream, { metrics, monitor: upstreamMonitor, logger: deps.logger });
  const retryDeps: RetryDeps = {
    ...deps.retryDeps,
    onRetry: (error, attempt, delayMs) => {
      metrics.upstreamRetry(String(error.status ?? error.kind));
      deps.retryDeps?.onRetry?.(error, attempt, delayMs);
    },
  };
  const history = new RequestHistory({
    db: deps.db,
    clock,
    logger: deps.logger,
    metrics,
    retentionDays: deps.config.historyRetentionDays,
    enabled: deps.config.historyEnabled,
  });
  const cache = new ResponseCache(deps.db, deps.notifier, {
    ttlMs: deps.config.cacheTtlMs,
    maxBytes: deps.config.cacheMaxBytes,
    clock,
    logger: deps.logger,
  });
  const queryDeps = {
    upstream,
    cache,
    modelAliases: deps.config.modelAliases,
    retryPolicy: deps.config.retryPolicy,
    clock,
    sharedCache: deps.config.sharedCache,
    retryDeps,
  };
  const webhooks = createWebhookService({
    db: deps.db.db,
    boss: deps.boss,
    notifier: deps.notifier,
    clock,
    logger: deps.logger,
    config: deps.config.webhooks,
    ...(deps.webhookResolveAll ? { resolveAll: deps.webhookResolveAll } : {}),
  });
  const limiter = deps.rateLimiter ?? createPostgresRateLimiter({ pool: deps.db.pool, logger: deps.logger });
  const rateLimits = createRateLimits({
    limiter,
    overrides: createPostgresRateLimitOverrides({ db: deps.db, notifier: deps.notifier, clock }),
    config: deps.config.rateLimit,
    clock,
  });
  const tasks = createTaskService({
    db: deps.db.db,
    boss: deps.boss,
    notifier: deps.notifier,
    query: queryDeps,
    config: deps.config.tasks,
    hooks: deps.taskHooks ?? taskWebhookHooks(webhooks),
    observer: createTaskObserver({ history, metrics, clock }),
    clock,
    newId,
    logger: deps.logger,
    maxTokensCapFor: async (clientId) => (await rateLimits.limitsFor(clientId)).maxTokens,
  });
  const auth = createAuth({
    db: deps.db,
    notifier: deps.notifier,
    clock,
    logger: deps.logger,
    config: deps.config.auth,
    webhookSecrets: {
      create: async (clientId, trx) => (await webhooks.createWebhookSecret(clientId, trx)).webhookSecret,
      rotate: async (clientId) =>
        (await webhooks.rotateWebhookSecret(clientId, { graceSeconds: WEBHOOK_SECRET_GRACE_SECONDS })).webhookSecret,
    },
    // Failed authentication counts per IP in the shared store, so every instance sees the same total.
    limiter: {
      blockedFor: (ip) => rateLimits.failedAuth.blockedFor(ip),
      recordFailure: async (ip) => {
        const decision = await rateLimits.failedAuth.recordFailure(ip);
        return decision && !decision.allowed ? Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) : undefined;
      },
    },
  });
  const startedAt = clock.now();
  let purgeTimer: NodeJS.Timeout | undefined;
  const health = createHealthChecker({
    db: deps.db,
    upstream,
    monitor: upstreamMonitor,
    clock,
    version: deps.config.version,
    startedAt,
    upstreamCheckIntervalMs: deps.config.healthCheckIntervalMs,
    timeoutMs: deps.config.healthTimeoutMs,
    // The tasks table is the record of what is queued and running (pg-boss jobs end when a task is claimed).
    ...(deps.boss
      ? { queueStats: async () => tasks.stats().then((s) => ({ size: s.queued, processing: s.processing })) }
      : deps.queueStats
        ? { queueStats: deps.queueStats }
        : {}),
  });
  return {
    db: deps.db,
    logger: deps.logger,
    clock,
    config: deps.config,
    upstream,
    cache,
    rateLimits,
    auth,
    webhooks,
    startedAt,
    tasks,
    metrics,
    history,
    upstreamMonitor,
    health: health.check,
    ready: health.ready,
    query: async (input, caller) => {
      const maxTokensCap = caller.maxTokensCap ?? (await rateLimits.limitsFor(caller.clientId)).maxTokens;
      const result = await runQuery(queryDeps, input, { ...caller, maxTokensCap });
      metrics.cacheLookup(result.cacheStatus);
      return result;
    },
    usage: async (input, principal) => {
      const clientId = usageClientFor(principal, input.clientId);
      const range = usageRange(input, clock);
      // Read-your-writes on this instance: rows still in the buffer would be missing otherwise.
      await history.flush();
      return readUsage(deps.db, clientId, range);
    },
    start: async () => {
      await Promise.all([cache.start(), auth.start(), rateLimits.start()]);
      await tasks.start();
      history.start();
      await webhooks.start();
      purgeTimer = setInterval(() => {
        cache.purgeExpired().catch((err) => deps.logger.warn({ err: String(err) }, 'cache purge failed'));
      }, CACHE_PURGE_INTERVAL_MS);
      purgeTimer.unref();
    },
    stop: async () => {
      if (purgeTimer) clearInterval(purgeTimer);
      await limiter.close?.();
      await webhooks.stop();
      await history.stop();
    },
  };
}
