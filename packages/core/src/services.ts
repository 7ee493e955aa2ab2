import { ResponseCache } from './cache/response-cache.js';
import type { ClaudeUpstream } from './claude/upstream.js';
import { DEFAULT_RETRY_POLICY, type RetryDeps, type RetryPolicy } from './claude/with-retries.js';
import type { Db } from './db/create-db.js';
import type { Notifier } from './events/notifier.js';
import { createHealthChecker, type HealthReport } from './health/check-health.js';
import type { QueryInput } from './query/query.schema.js';
import { type QueryCaller, type QueryResult, runQuery } from './query/run-query.js';
import { type Clock, systemClock } from './util/clock.js';
import type { Logger } from './util/logger.js';
import type { ResolveAll } from './webhooks/callback-url.js';
import type { WebhookBoss } from './webhooks/webhook-queue.js';
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
  webhooks: DEFAULT_WEBHOOK_CONFIG,
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
  /** The pg-boss instance (webhook deliveries are its jobs). */
  boss: WebhookBoss;
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
  readonly webhooks: WebhookService;
  readonly startedAt: number;
  query(input: QueryInput, caller: QueryCaller): Promise<QueryResult>;
  health(): Promise<HealthReport>;
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
  const webhooks = createWebhookService({
    db: deps.db.db,
    boss: deps.boss,
    notifier: deps.notifier,
    clock,
    logger: deps.logger,
    config: deps.config.webhooks,
    ...(deps.webhookResolveAll ? { resolveAll: deps.webhookResolveAll } : {}),
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
  });
  return {
    db: deps.db,
    logger: deps.logger,
    clock,
    config: deps.config,
    upstream: deps.upstream,
    cache,
    webhooks,
    startedAt,
    health,
    query: (input, caller) => runQuery(queryDeps, input, caller),
    start: async () => {
      await cache.start();
      await webhooks.start();
      purgeTimer = setInterval(() => {
        cache.purgeExpired().catch((err) => deps.logger.warn({ err: String(err) }, 'cache purge failed'));
      }, CACHE_PURGE_INTERVAL_MS);
      purgeTimer.unref();
    },
    stop: async () => {
      if (purgeTimer) clearInterval(purgeTimer);
      await webhooks.stop();
    },
  };
}
